using ClipEngine.Backends.Cuda;
using ClipEngine.Tests.Support;

namespace ClipEngine.Clip.Tests;

/// <summary>
/// "cuda:0" for the CLIP tests: the emulated driver in CI, the real one with CLIPENGINE_DEVICE=cuda (see
/// <see cref="CudaTestDriver"/>). Pointing the backend at the test driver happens once, before the first use.
/// </summary>
public static class ClipCudaTestDevice
{
    private static readonly Lazy<Device> Instance = new(() =>
    {
        CudaBackend.UseDriver(_ => CudaTestDriver.Create());
        return Device.Cuda(0);
    });

    public static Device Device => Instance.Value;
}
