namespace ClipEngine;

// Moving between dtypes and devices. Gradients flow back through both for floating-point tensors.
public static partial class Ops
{
    public static Tensor Cast(Tensor x, DType dtype)
    {
        if (x.DType == dtype) return x.View(x.Dims);
        var y = x.NewEmpty(x.Dims, dtype);
        x.Backend.Cast(x, y);
        var differentiable = x.DType.IsFloatingPoint() && dtype.IsFloatingPoint();
        return differentiable && Autograd.Needs(x) ? Autograd.Record(y, new CastNode(x)) : y;
    }

    public static Tensor ToDevice(Tensor x, Device device)
    {
        if (x.Device == device) return x.View(x.Dims);
        var bytes = x.ToBytes();
        var y = Tensor.FromBytes(bytes, x.DType, x.Dims, device);
        return Autograd.Needs(x) ? Autograd.Record(y, new ToDeviceNode(x)) : y;
    }

    private sealed class CastNode(Tensor x) : GradNode(x)
    {
        protected internal override Tensor?[] Backward(Tensor g) => [Cast(g, x.DType)];
    }

    private sealed class ToDeviceNode(Tensor x) : GradNode(x)
    {
        protected internal override Tensor?[] Backward(Tensor g) => [ToDevice(g, x.Device)];
    }
}
