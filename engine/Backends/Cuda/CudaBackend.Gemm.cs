namespace ClipEngine.Backends.Cuda;

// GEMM has no kernel of ours: the driver's (cuBLAS, or the CPU SGEMM under emulation), queued on this stream.
public sealed partial class CudaBackend
{
    /// <summary>
    /// True: cuBLAS (and the emulated driver) multiply BF16 with fp32 accumulation, and the element-wise and attention
    /// kernels have BF16 variants.
    /// </summary>
    public bool SupportsBf16 => true;

    public void Gemm(in GemmShape shape, float alpha, Tensor a, Tensor b, float beta, Tensor c)
    {
        var inputType = GemmOperands.Check(shape, a, b, c, this);
        Driver.Gemm(shape, inputType, c.DType, alpha, Ptr(a), Ptr(b), beta, Ptr(c), Stream);
    }
}
