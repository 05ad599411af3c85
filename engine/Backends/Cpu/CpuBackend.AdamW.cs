namespace ClipEngine.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void AdamWStep(Tensor param, Tensor grad, Tensor m, Tensor v, in AdamWStepArgs args) => throw new NotImplementedException();
}
