namespace ClipEngine.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void Softmax(Tensor x, Tensor y, bool log) => throw new NotImplementedException();

    public void SoftmaxBackward(Tensor gy, Tensor y, Tensor gx, bool log) => throw new NotImplementedException();
}
