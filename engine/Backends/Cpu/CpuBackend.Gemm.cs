namespace ClipEngine.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void Gemm(in GemmShape shape, float alpha, Tensor a, Tensor b, float beta, Tensor c) => throw new NotImplementedException();
}
