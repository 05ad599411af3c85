namespace ClipEngine.Backends.Cuda;

// GEMM has no kernel of ours: the driver's (cuBLAS, or the CPU SGEMM under emulation), queued on this stream.
public sealed partial class CudaBackend
{
    /// <summary>True: cuBLAS (and the emulated driver) multiply BF16 inputs with fp32 accumulation.</summary>
    public bool SupportsBf16Gemm => true;

    public void Gemm(in GemmShape shape, float alpha, Tensor a, Tensor b, float beta, Tensor c)
    {
        var inputType = GemmOperands.Check(shape, a, b, c, this);
        Driver.Gemm(shape, inputType, DType.F32, alpha, Ptr(a), Ptr(b), beta, Ptr(c), Stream);
    }
}
