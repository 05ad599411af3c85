namespace ClipEngine.Tests.Cuda;

/// <summary>An op through <see cref="Ops"/> with autograd on one device: its output and the gradients of its inputs.</summary>
internal static class AutogradRun
{
    /// <summary>
    /// Copies <paramref name="inputs"/> (host tensors) to <paramref name="device"/> as leaves that require gradients
    /// (floating-point ones only), runs <paramref name="op"/>, backpropagates <paramref name="upstream"/> and returns
    /// the output followed by each floating-point input's gradient, as host arrays.
    /// </summary>
    public static float[][] Gradients(Func<Tensor[], Tensor> op, Tensor[] inputs, Tensor upstream, Device device)
    {
        var leaves = inputs.Select(t => t.To(device)).ToArray();
        try
        {
            foreach (var leaf in leaves.Where(t => t.DType.IsFloatingPoint())) leaf.RequiresGrad = true;
            using var y = op(leaves);
            using var g = upstream.To(device);
            var output = y.ToArray<float>();
            y.Backward(g);
            return [output, .. leaves.Where(t => t.DType.IsFloatingPoint()).Select(t => t.Grad!.ToArray<float>())];
        }
        finally
        {
            foreach (var leaf in leaves) leaf.Dispose();
        }
    }
}
