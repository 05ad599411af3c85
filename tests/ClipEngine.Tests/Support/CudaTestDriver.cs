using ClipEngine.Backends.Cuda;

namespace ClipEngine.Tests.Support;

/// <summary>The driver the Cuda kernel tests run on: the emulated one in CI, the real one when CLIPENGINE_DEVICE=cuda.</summary>
public static class CudaTestDriver
{
    public static ICudaDriver Create() => throw new InvalidOperationException("emulated driver not merged");
}
