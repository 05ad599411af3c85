using ClipEngine.Backends.Cuda;
using ClipEngine.Backends.Cuda.Emulated;

namespace ClipEngine.Tests.Support;

/// <summary>The driver the Cuda kernel tests run on: the emulated one in CI, the real one when CLIPENGINE_DEVICE=cuda.</summary>
public static class CudaTestDriver
{
    public static bool IsReal => Environment.GetEnvironmentVariable("CLIPENGINE_DEVICE") == "cuda";

    public static ICudaDriver Create() => IsReal ? new CudaDriver() : new EmulatedDriver();
}
