namespace ClipEngine;

public sealed partial class Tensor
{
    /// <summary>
    /// Overwrites this tensor's values with <paramref name="source"/>'s (same shape, any device, dtype converted),
    /// outside the graph: how checkpoints load into parameters and optimizer state without replacing them.
    /// </summary>
    internal void CopyFrom(Tensor source)
    {
        if (!source.Dims.AsSpan().SequenceEqual(_shape))
            throw new ArgumentException($"cannot copy a tensor of shape {ShapeUtil.Format(source.Dims)} into one of shape {ShapeUtil.Format(_shape)}");
        using var _ = Autograd.NoGrad();
        using var onDevice = source.To(Device);
        Backend.Cast(onDevice, this);
    }
}
