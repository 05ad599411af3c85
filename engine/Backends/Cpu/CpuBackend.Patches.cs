namespace ClipEngine.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void Im2Patches(Tensor images, int patch, Tensor patches) => throw new NotImplementedException();

    public void Patches2Im(Tensor patches, int patch, Tensor images) => throw new NotImplementedException();
}
