namespace ClipEngine.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <summary>Profiler names by (TransA, TransB): a Linear's forward is NT, its input gradient NN, its weight gradient TN.</summary>
    private static readonly string[] GemmNames = ["Gemm NN", "Gemm NT", "Gemm TN", "Gemm TT"];

    /// <summary>False: the Cpu computes and stores in fp32, so <see cref="Autocast"/> leaves its activations F32.</summary>
    public bool SupportsBf16 => false;

    public void Gemm(in GemmShape shape, float alpha, Tensor a, Tensor b, float beta, Tensor c)
    {
        using var profile = CpuProfiler.Time(GemmNames[(shape.TransA ? 2 : 0) + (shape.TransB ? 1 : 0)]);
        GemmOperands.Check(shape, a, b, c, this);
        Sgemm.GemmStridedBatched(shape.TransA, shape.TransB, shape.M, shape.N, shape.K, alpha,
            Ptr(a), shape.Lda, shape.StrideA, Ptr(b), shape.Ldb, shape.StrideB, beta, Ptr(c), shape.Ldc, shape.StrideC, shape.Batch);
    }
}
