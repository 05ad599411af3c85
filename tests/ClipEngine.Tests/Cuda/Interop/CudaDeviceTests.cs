using ClipEngine.Backends.Cuda;
using ClipEngine.Backends.Cuda.Interop;

namespace ClipEngine.Tests.Cuda.Interop;

/// <summary>
/// Availability and the diagnostics report on whatever machine runs the tests: without libcuda (CI) they check the
/// "not available" path names every file tried; on a GPU machine they check the report describes the devices.
/// </summary>
public class CudaDeviceTests
{
    [Fact]
    public void AvailabilityIsAValueWithAReasonWhenFalse()
    {
        Assert.Equal(CudaDevice.Count > 0, CudaDevice.IsAvailable);
        Assert.Equal(CudaDevice.IsAvailable, CudaDevice.UnavailableReason is null);
        if (!CudaLibraries.Cuda.IsLoaded)
        {
            Assert.False(CudaDevice.IsAvailable);
            Assert.Contains("CLIPENGINE_LIBCUDA", CudaDevice.UnavailableReason);
            Assert.Contains(OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1", CudaDevice.UnavailableReason);
        }
    }

    [Fact]
    public void TheReportSaysWhyEachMissingPieceIsMissing()
    {
        var report = CudaDiagnostics.Report();
        var text = report.ToString();

        Assert.Equal(CudaDevice.IsAvailable, report.IsAvailable);
        foreach (var library in new[] { report.Driver, report.Nvrtc, report.Cublas })
        {
            Assert.Equal(library.IsLoaded, library.Path is not null);
            if (library.IsLoaded)
            {
                Assert.Contains(library.Path!, text);
            }
            else
            {
                Assert.Contains($"{library.Name}: not available", text);
                foreach (var line in library.Error!.Split('\n')) Assert.Contains(line.Trim(), text);
            }
        }
        if (report.IsAvailable)
        {
            Assert.Equal(CudaDevice.Count, report.Devices.Count);
            Assert.All(report.Devices, d => Assert.Contains($"{d.Name}, compute capability {d.ComputeCapabilityMajor}.{d.ComputeCapabilityMinor}", text));
        }
        else
        {
            Assert.Empty(report.Devices);
            Assert.Contains("devices: none", text);
        }
    }

    [Fact]
    public void TheReportListsNvrtcsArchs()
    {
        NvrtcRequirement.Ensure();

        var report = CudaDiagnostics.Report();

        Assert.True(report.Nvrtc.IsLoaded);
        Assert.Equal(NvrtcCompiler.SupportedArchs, report.NvrtcArchs);
        Assert.Contains($"NVRTC: {NvrtcCompiler.Version.Major}.{NvrtcCompiler.Version.Minor}", report.ToString());
        Assert.Contains("sm_80", report.ToString());
    }

    [Fact]
    public void OpeningTheRealDriverWithoutADeviceThrowsTheReason()
    {
        if (CudaDevice.IsAvailable)
        {
            using var driver = new CudaDriver();
            Assert.Equal("cuda", driver.Kind);
            Assert.Equal(CudaDevice.GetInfo(0), driver.Device);
            return;
        }

        var error = Assert.Throws<CudaException>(() => new CudaDriver());

        Assert.Contains(CudaDevice.UnavailableReason!, error.Message);
    }
}
