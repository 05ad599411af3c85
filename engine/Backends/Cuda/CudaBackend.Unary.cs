namespace ClipEngine.Backends.Cuda;

// Element-wise ops of one tensor (kernels/unary.cu) and of a tensor and a scalar (kernels/scalar.cu), all F32.
public sealed partial class CudaBackend
{
    public void Unary(UnaryOp op, Tensor x, Tensor y)
    {
        CheckOp(op);
        var n = x.NumEl;
        if (n == 0) return;
        Launcher.Launch(Modules.Get("unary.cu", "unary_f32"), LaunchConfig.GridStride(n, _maxBlocks), (int)op, Ptr(x), Ptr(y), n);
    }

    public void UnaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor gy, Tensor gx)
    {
        CheckOp(op);
        var n = x.NumEl;
        if (n == 0) return;
        Launcher.Launch(Modules.Get("unary.cu", "unary_backward_f32"), LaunchConfig.GridStride(n, _maxBlocks),
            (int)op, Ptr(x), Ptr(y), Ptr(gy), Ptr(gx), n);
    }

    public void Scalar(ScalarOp op, Tensor x, float s, Tensor y)
    {
        CheckOp(op);
        var n = x.NumEl;
        if (n == 0) return;
        Launcher.Launch(Modules.Get("scalar.cu", "scalar_f32"), LaunchConfig.GridStride(n, _maxBlocks), (int)op, Ptr(x), s, Ptr(y), n);
    }

    /// <summary>The kernels take the op as a number and treat an unknown one as their last op; refuse it here instead.</summary>
    private static void CheckOp<TOp>(TOp op) where TOp : struct, Enum
    {
        if (!Enum.IsDefined(op)) throw new NotSupportedException($"{typeof(TOp).Name} {op}");
    }
}
