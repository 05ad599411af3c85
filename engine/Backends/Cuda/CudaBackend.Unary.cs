namespace ClipEngine.Backends.Cuda;

// Element-wise ops of one tensor (kernels/unary.cu) and of a tensor and a scalar (kernels/scalar.cu). Every tensor of
// a call has one dtype, F32 or BF16 (IBackend.SupportsBf16); the kernel is the one of that dtype.
public sealed partial class CudaBackend
{
    public void Unary(UnaryOp op, Tensor x, Tensor y)
    {
        CheckOp(op);
        var suffix = SameFloatDType($"Unary {op}", x, y);
        var n = x.NumEl;
        if (n == 0) return;
        Launcher.Launch(Modules.Get("unary.cu", "unary_" + suffix), LaunchConfig.GridStride(n, _maxBlocks), (int)op, Ptr(x), Ptr(y), n);
    }

    public void UnaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor gy, Tensor gx)
    {
        CheckOp(op);
        var suffix = SameFloatDType($"UnaryBackward {op}", x, y, gy, gx);
        var n = x.NumEl;
        if (n == 0) return;
        Launcher.Launch(Modules.Get("unary.cu", "unary_backward_" + suffix), LaunchConfig.GridStride(n, _maxBlocks),
            (int)op, Ptr(x), Ptr(y), Ptr(gy), Ptr(gx), n);
    }

    public void Scalar(ScalarOp op, Tensor x, float s, Tensor y)
    {
        CheckOp(op);
        var suffix = SameFloatDType($"Scalar {op}", x, y);
        var n = x.NumEl;
        if (n == 0) return;
        Launcher.Launch(Modules.Get("scalar.cu", "scalar_" + suffix), LaunchConfig.GridStride(n, _maxBlocks), (int)op, Ptr(x), s, Ptr(y), n);
    }

    /// <summary>The kernels take the op as a number and treat an unknown one as their last op; refuse it here instead.</summary>
    private static void CheckOp<TOp>(TOp op) where TOp : struct, Enum
    {
        if (!Enum.IsDefined(op)) throw new NotSupportedException($"{typeof(TOp).Name} {op}");
    }

    /// <summary>The kernel suffix of the tensors' common dtype; the kernels reinterpret memory, so any other mix is refused.</summary>
    private static string SameFloatDType(string what, params ReadOnlySpan<Tensor> tensors)
    {
        var dtype = tensors[0].DType;
        foreach (var t in tensors)
        {
            if (t.DType != dtype || dtype is not (DType.F32 or DType.BF16))
                throw new NotSupportedException($"{what} on {DTypeList(tensors)}: the Cuda kernels take all F32 or all BF16");
        }
        return dtype == DType.F32 ? "f32" : "bf16";
    }

    private static string DTypeList(ReadOnlySpan<Tensor> tensors)
    {
        var names = new string[tensors.Length];
        for (var i = 0; i < tensors.Length; i++) names[i] = tensors[i].DType.ToString();
        return string.Join(", ", names);
    }
}
