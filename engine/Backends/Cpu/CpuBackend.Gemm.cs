namespace ClipEngine.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <summary>Profiler names by (TransA, TransB): a Linear's forward is NT, its input gradient NN, its weight gradient TN.</summary>
    private static readonly string[] GemmNames = ["Gemm NN", "Gemm NT", "Gemm TN", "Gemm TT"];

    public void Gemm(in GemmShape shape, float alpha, Tensor a, Tensor b, float beta, Tensor c)
    {
        using var profile = CpuProfiler.Time(GemmNames[(shape.TransA ? 2 : 0) + (shape.TransB ? 1 : 0)]);
        CheckMatrices(a, shape.TransA ? shape.K : shape.M, shape.TransA ? shape.M : shape.K, shape.Lda, shape.StrideA, shape.Batch, "Gemm A");
        CheckMatrices(b, shape.TransB ? shape.N : shape.K, shape.TransB ? shape.K : shape.N, shape.Ldb, shape.StrideB, shape.Batch, "Gemm B");
        CheckMatrices(c, shape.M, shape.N, shape.Ldc, shape.StrideC, shape.Batch, "Gemm C");
        Sgemm.GemmStridedBatched(shape.TransA, shape.TransB, shape.M, shape.N, shape.K, alpha,
            Ptr(a), shape.Lda, shape.StrideA, Ptr(b), shape.Ldb, shape.StrideB, beta, Ptr(c), shape.Ldc, shape.StrideC, shape.Batch);
    }

    /// <summary>Every element of batch stored matrices [rows, cols] (row stride ld, matrix stride stride) lies inside t.</summary>
    private static void CheckMatrices(Tensor t, int rows, int cols, int ld, long stride, int batch, string what)
    {
        t.ThrowIfNotDType(DType.F32, what);
        if (rows == 0 || cols == 0 || batch == 0) return;
        var end = (batch - 1) * stride + (long)(rows - 1) * ld + cols;
        if (end > t.NumEl)
            throw new ArgumentOutOfRangeException(what, $"{what}: {batch} matrices [{rows}, {cols}] (row stride {ld}, matrix stride {stride}) run past the {t.NumEl} elements of tensor {ShapeUtil.Format(t.Dims)}");
    }
}
