namespace ClipEngine.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void L2Normalize(Tensor x, float eps, Tensor y, Tensor norms) => throw new NotImplementedException();

    public void L2NormalizeBackward(Tensor gy, Tensor y, Tensor norms, float eps, Tensor gx) => throw new NotImplementedException();
}
