namespace ClipEngine;

/// <summary>
/// The differentiable ops, PyTorch-style (torch.* and torch.nn.functional.*). Each op lives in a file of this
/// folder with its forward (validate, allocate the output, call the backend of the input's device, record a node)
/// and its <see cref="GradNode"/> (backward, written with the same backend calls). Nothing here is device-specific.
/// </summary>
public static partial class Ops
{
    internal static void CheckSameDevice(Tensor a, Tensor b, string op)
    {
        if (a.Device != b.Device)
            throw new ArgumentException($"{op}: tensors are on different devices ({a.Device} and {b.Device})");
    }

    internal static void CheckFloat(Tensor t, string op) => t.ThrowIfNotDType(DType.F32, op);
}
