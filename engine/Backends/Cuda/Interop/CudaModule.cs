using ClipEngine.Backends.Cuda.Interop;

namespace ClipEngine.Backends.Cuda;

/// <summary>A module loaded into a <see cref="CudaDriver"/>'s context from one compiled kernel file.</summary>
internal sealed class CudaModule(CudaDriver driver, nint handle, string sourceName) : ICudaModule
{
    private const int ErrorNotFound = 500;

    private nint _handle = handle;

    public CudaFunction GetFunction(string name)
    {
        ObjectDisposedException.ThrowIf(_handle == 0, this);
        driver.MakeCurrent();
        var result = CuApi.cuModuleGetFunction(out var function, _handle, name);
        if (result == ErrorNotFound)
            throw new CudaException($"{sourceName} has no kernel '{name}' (is it extern \"C\" __global__?)");
        CuApi.Check(result, $"cuModuleGetFunction({sourceName}, {name})");
        return new CudaFunction(function, name);
    }

    public void Dispose()
    {
        if (_handle == 0) return;
        driver.MakeCurrent();
        CuApi.Check(CuApi.cuModuleUnload(_handle), $"cuModuleUnload({sourceName})");
        _handle = 0;
    }
}
