using System.Text;
using ClipEngine.Backends.Cuda.Interop;

namespace ClipEngine.Backends.Cuda;

/// <summary>One native library: where it loaded from and its version, or why it is missing.</summary>
public sealed record CudaLibraryStatus(string Name, string? Path, string? Version, string? Error)
{
    public bool IsLoaded => Path is not null;
}

/// <summary>What the real CUDA path finds on this machine; <see cref="ToString"/> is the readable form.</summary>
public sealed record CudaDiagnosticsReport(
    CudaLibraryStatus Driver,
    IReadOnlyList<CudaDeviceInfo> Devices,
    string? DeviceError,
    CudaLibraryStatus Nvrtc,
    IReadOnlyList<int> NvrtcArchs,
    CudaLibraryStatus Cublas)
{
    /// <summary>The real driver can run: libcuda loaded and found at least one device.</summary>
    public bool IsAvailable => Devices.Count > 0;

    public override string ToString()
    {
        var text = new StringBuilder();
        Library(text, Driver);
        if (DeviceError is not null) text.AppendLine($"  devices: none ({DeviceError})");
        for (var i = 0; i < Devices.Count; i++)
        {
            var d = Devices[i];
            text.AppendLine($"  device {i}: {d.Name}, compute capability {d.ComputeCapabilityMajor}.{d.ComputeCapabilityMinor} ({d.Arch}), "
                            + $"{d.MultiprocessorCount} SMs, {d.TotalMemory / (1024.0 * 1024 * 1024):F1} GiB, "
                            + $"{d.MaxSharedMemoryPerBlockOptin / 1024} KiB shared memory per block (opt-in)");
        }
        Library(text, Nvrtc);
        if (NvrtcArchs.Count > 0) text.AppendLine($"  archs: {string.Join(' ', NvrtcArchs.Select(a => $"sm_{a}"))}");
        Library(text, Cublas);
        return text.ToString();
    }

    private static void Library(StringBuilder text, CudaLibraryStatus library)
    {
        if (library.IsLoaded)
            text.AppendLine($"{library.Name}: {library.Version ?? "version unknown"} ({library.Path})"
                            + (library.Error is null ? "" : $"; {library.Error}"));
        else
            text.AppendLine($"{library.Name}: not available").AppendLine($"  {library.Error!.Replace("\n", "\n  ")}");
    }
}

/// <summary>Collects a <see cref="CudaDiagnosticsReport"/>; never throws, each failure becomes the report's reason.</summary>
public static class CudaDiagnostics
{
    public static CudaDiagnosticsReport Report()
    {
        var driver = Status(CudaLibraries.Cuda, "CUDA driver", () => CudaDevice.DriverVersion);
        IReadOnlyList<CudaDeviceInfo> devices = [];
        var deviceError = CudaDevice.UnavailableReason;
        if (CudaDevice.IsAvailable)
        {
            try
            {
                devices = [.. Enumerable.Range(0, CudaDevice.Count).Select(CudaDevice.GetInfo)];
            }
            catch (CudaException e)
            {
                deviceError = e.Message;
            }
        }
        else if (!driver.IsLoaded)
        {
            deviceError = "no driver";
        }
        var nvrtc = Status(CudaLibraries.Nvrtc, "NVRTC", () => $"{NvrtcCompiler.Version.Major}.{NvrtcCompiler.Version.Minor}");
        IReadOnlyList<int> archs = [];
        if (nvrtc.IsLoaded)
        {
            try
            {
                archs = NvrtcCompiler.SupportedArchs;
            }
            catch (CudaException e)
            {
                nvrtc = nvrtc with { Error = e.Message };
            }
        }
        var cublas = Status(CudaLibraries.Cublas, "cuBLAS", CublasVersion);
        return new CudaDiagnosticsReport(driver, devices, deviceError, nvrtc, archs, cublas);
    }

    private static CudaLibraryStatus Status(NativeLibraryProbe probe, string name, Func<string> version)
    {
        if (!probe.IsLoaded) return new CudaLibraryStatus(name, null, null, probe.FailureReason);
        try
        {
            return new CudaLibraryStatus(name, probe.Path, version(), null);
        }
        catch (Exception e) when (e is CudaException or EntryPointNotFoundException)
        {
            return new CudaLibraryStatus(name, probe.Path, null, e.Message);
        }
    }

    // cublasGetVersion reads a compile-time constant and accepts a null handle, so no GPU context is needed.
    private static string CublasVersion()
    {
        CublasApi.Check(CublasApi.cublasGetVersion_v2(0, out var version), "cublasGetVersion_v2");
        return $"{version / 10000}.{version / 100 % 100}.{version % 100}";
    }
}
