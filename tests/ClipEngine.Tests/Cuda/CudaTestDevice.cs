using ClipEngine.Backends;
using ClipEngine.Backends.Cuda;

namespace ClipEngine.Tests.Cuda;

/// <summary>
/// The "cuda:0" device of the kernel tests: a <see cref="CudaBackend"/> from <see cref="BackendRegistry"/> over
/// <see cref="Support.CudaTestDriver"/>. Tests that change the driver factory share its collection, so they never
/// run beside tests that create the device.
/// </summary>
public static class CudaTestDevice
{
    public const string Collection = "cuda driver factory";

    public static readonly Device Device = Device.Cuda(0);

    private static readonly Lazy<CudaBackend> Instance = new(() =>
    {
        UseTestDriver();
        return (CudaBackend)BackendRegistry.For(Device);
    });

    public static CudaBackend Backend => Instance.Value;

    public static void UseTestDriver() => CudaBackend.UseDriver(_ => Support.CudaTestDriver.Create());

    /// <summary>A copy of a host tensor on the test device.</summary>
    public static Tensor ToDevice(Tensor host)
    {
        _ = Backend;
        return host.To(Device);
    }

    /// <summary>Uninitialised memory on the test device.</summary>
    public static Tensor Empty(int[] shape, DType dtype = DType.F32)
    {
        _ = Backend;
        return Tensor.Empty(shape, dtype, Device);
    }

    /// <summary>n standard normal floats drawn from <paramref name="seed"/>.</summary>
    public static float[] Normal(int n, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (float)Support.InputSpec.NextNormal(random))];
    }

    /// <summary>n random bytes drawn from <paramref name="seed"/>.</summary>
    public static byte[] RandomBytes(long n, int seed)
    {
        var bytes = new byte[n];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
