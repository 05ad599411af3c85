namespace ClipEngine.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void LayerNorm(Tensor x, Tensor? weight, Tensor? bias, float eps, Tensor y, Tensor mean, Tensor rstd) => throw new NotImplementedException();

    public void LayerNormBackward(Tensor gy, Tensor x, Tensor? weight, Tensor mean, Tensor rstd, Tensor gx, Tensor? gWeight, Tensor? gBias) => throw new NotImplementedException();
}
