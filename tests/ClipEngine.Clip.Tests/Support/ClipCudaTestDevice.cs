using ClipEngine.Backends.Cuda;
using ClipEngine.Tests.Support;

namespace ClipEngine.Clip.Tests;

/// <summary>
/// "cuda:0" for the CLIP tests: the emulated driver in CI, the real one with CLIPENGINE_DEVICE=cuda (see
/// <see cref="CudaTestDriver"/>). Pointing the backend at the test driver happens once, before the first use; other
/// ordinals keep the default driver, so a test can still see what a user without a GPU sees on "cuda:1".
/// </summary>
public static class ClipCudaTestDevice
{
    private static readonly Lazy<Device> Instance = new(() =>
    {
        CudaBackend.UseDriver(i => i == 0 ? CudaTestDriver.Create() : CudaDrivers.Create(i));
        return Device.Cuda(0);
    });

    public static Device Device => Instance.Value;
}
