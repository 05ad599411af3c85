using System.Runtime.InteropServices;
using ClipEngine.Backends.Cuda.Interop;

namespace ClipEngine.Backends.Cuda;

/// <summary>
/// Whether this machine can run the real CUDA driver, as values: on a machine without libcuda or without a GPU,
/// <see cref="IsAvailable"/> is false and <see cref="UnavailableReason"/> says why (for a missing library, every
/// path tried). Nothing here throws at type load; the probe runs once, on first use.
/// </summary>
public static unsafe class CudaDevice
{
    private static readonly Lazy<(int Count, string? Reason)> State = new(Probe);

    public static bool IsAvailable => State.Value.Count > 0;

    /// <summary>The number of CUDA devices; 0 when the driver is missing or finds none.</summary>
    public static int Count => State.Value.Count;

    /// <summary>Why no device can be used, or null when one can.</summary>
    public static string? UnavailableReason => State.Value.Reason;

    /// <summary>The driver's version, e.g. "12.4"; needs libcuda but no device.</summary>
    public static string DriverVersion
    {
        get
        {
            CudaLibraries.Cuda.Require();
            CuApi.Check(CuApi.cuDriverGetVersion(out var version), "cuDriverGetVersion");
            return $"{version / 1000}.{version % 1000 / 10}";
        }
    }

    /// <summary>Name, compute capability, SMs, clocks, memory and limits of device <paramref name="ordinal"/>.</summary>
    public static CudaDeviceInfo GetInfo(int ordinal)
    {
        RequireAvailable();
        if ((uint)ordinal >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(ordinal), $"CUDA device {ordinal} does not exist; this machine has {Count}");
        CuApi.Check(CuApi.cuDeviceGet(out var device, ordinal), "cuDeviceGet");
        var name = stackalloc byte[256];
        CuApi.Check(CuApi.cuDeviceGetName(name, 256, device), "cuDeviceGetName");
        CuApi.Check(CuApi.cuDeviceTotalMem_v2(out var total, device), "cuDeviceTotalMem_v2");
        int Attribute(int attribute)
        {
            CuApi.Check(CuApi.cuDeviceGetAttribute(out var value, attribute, device), $"cuDeviceGetAttribute({attribute})");
            return value;
        }
        return new CudaDeviceInfo(
            Marshal.PtrToStringUTF8((nint)name) ?? "",
            Attribute(CuApi.AttributeComputeCapabilityMajor),
            Attribute(CuApi.AttributeComputeCapabilityMinor),
            Attribute(CuApi.AttributeMultiprocessorCount),
            (long)total,
            Attribute(CuApi.AttributeMaxThreadsPerBlock),
            Attribute(CuApi.AttributeMaxSharedMemoryPerBlock),
            Attribute(CuApi.AttributeMaxSharedMemoryPerBlockOptin),
            Attribute(CuApi.AttributeWarpSize),
            DriverVersion)
        {
            ClockRateKHz = Attribute(CuApi.AttributeClockRate),
            MemoryClockRateKHz = Attribute(CuApi.AttributeMemoryClockRate),
            MemoryBusWidthBits = Attribute(CuApi.AttributeGlobalMemoryBusWidth),
            L2CacheBytes = Attribute(CuApi.AttributeL2CacheSize),
        };
    }

    /// <summary>Throws a <see cref="CudaException"/> carrying <see cref="UnavailableReason"/> when no device can be used.</summary>
    internal static void RequireAvailable()
    {
        if (!IsAvailable) throw new CudaException($"no CUDA device: {UnavailableReason}");
    }

    private static (int, string?) Probe()
    {
        if (!CudaLibraries.Cuda.IsLoaded) return (0, CudaLibraries.Cuda.FailureReason);
        var result = CuApi.cuInit(0);
        if (result != CuApi.Success) return (0, $"cuInit failed: {CuApi.Describe(result)}");
        result = CuApi.cuDeviceGetCount(out var count);
        if (result != CuApi.Success) return (0, $"cuDeviceGetCount failed: {CuApi.Describe(result)}");
        return count > 0 ? (count, null) : (0, $"the CUDA driver ({CudaLibraries.Cuda.Path}) finds no device");
    }
}
