namespace ClipEngine.Backends.Cuda;

// GEMM has no kernel of ours: the driver's (cuBLAS, or the CPU SGEMM under emulation), queued on this stream.
public sealed partial class CudaBackend
{
    public void Gemm(in GemmShape shape, float alpha, Tensor a, Tensor b, float beta, Tensor c)
    {
        GemmOperands.Check(shape, a, b, c);
        Driver.Gemm(shape, DType.F32, DType.F32, alpha, Ptr(a), Ptr(b), beta, Ptr(c), Stream);
    }
}
