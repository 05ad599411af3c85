namespace ClipEngine.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Gemm(in GemmShape shape, float alpha, Tensor a, Tensor b, float beta, Tensor c)
    {
        GemmOperands.Check(shape, a, b, c);
        Sgemm.GemmStridedBatched(shape.TransA, shape.TransB, shape.M, shape.N, shape.K, alpha,
            Ptr(a), shape.Lda, shape.StrideA, Ptr(b), shape.Ldb, shape.StrideB, beta, Ptr(c), shape.Ldc, shape.StrideC, shape.Batch);
    }
}
