namespace ClipEngine.Backends.Cuda;

// Binary element-wise ops (kernels/elementwise.cu): a and b each F32 or BF16, c BF16 when both are, else F32
// (IBackend.SupportsBf16); one kernel per combination.
public sealed unsafe partial class CudaBackend
{
    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor c)
    {
        var kernel = (a.DType, b.DType, c.DType) switch
        {
            (DType.F32, DType.F32, DType.F32) => "binary_f32",
            (DType.BF16, DType.BF16, DType.BF16) => "binary_bf16",
            (DType.F32, DType.BF16, DType.F32) => "binary_f32_bf16",
            (DType.BF16, DType.F32, DType.F32) => "binary_bf16_f32",
            _ => throw new NotSupportedException(
                $"Binary {op} on {a.DType}, {b.DType} -> {c.DType}: a and b must each be F32 or BF16, and c BF16 when both are, else F32"),
        };
        var n = c.NumEl;
        if (n == 0) return;
        // Inputs with c's element count differ from it only by size-1 dimensions, so they share its element order.
        if (a.NumEl == n && b.NumEl == n)
        {
            Launcher.Launch(Modules.Get("elementwise.cu", kernel), LaunchConfig.GridStride((n + 3) / 4, _maxBlocks),
                (int)op, Ptr(a), Ptr(b), Ptr(c), n);
            return;
        }
        var index = BroadcastIndex.Create(a.Dims, b.Dims, c.Dims);
        var smallIndex = Math.Max(n, Math.Max(a.NumEl, b.NumEl)) <= uint.MaxValue ? 1 : 0;
        Launcher.Launch(Modules.Get("elementwise.cu", kernel + "_broadcast"), LaunchConfig.GridStride(n, _maxBlocks),
            (int)op, Ptr(a), Ptr(b), Ptr(c), n, index, smallIndex);
    }
}
