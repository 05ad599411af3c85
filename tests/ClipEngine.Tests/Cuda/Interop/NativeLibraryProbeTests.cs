using ClipEngine.Backends.Cuda;
using ClipEngine.Backends.Cuda.Interop;

namespace ClipEngine.Tests.Cuda.Interop;

public class NativeLibraryProbeTests
{
    [Fact]
    public void AMissingLibraryIsAValueListingEveryPathTried()
    {
        var probe = new NativeLibraryProbe("libmissing (test)", "CLIPENGINE_TEST_UNSET_LIBRARY",
            ["libclipengine-missing.so.2", "libclipengine-missing.so"], ["clipengine-missing.dll"]);

        Assert.False(probe.IsLoaded);
        Assert.Null(probe.Path);
        var candidates = OperatingSystem.IsWindows() ? new[] { "clipengine-missing.dll" } : ["libclipengine-missing.so.2", "libclipengine-missing.so"];
        Assert.Equal(candidates.Length, probe.Tried.Count);
        foreach (var candidate in candidates) Assert.Contains(probe.Tried, t => t.StartsWith($"{candidate}: ", StringComparison.Ordinal));
        Assert.Contains("CLIPENGINE_TEST_UNSET_LIBRARY", probe.FailureReason);
        var error = Assert.Throws<CudaException>(() => probe.Require());
        Assert.Equal(probe.FailureReason, error.Message);
    }

    [Fact]
    public void TheEnvironmentOverrideIsTheOnlyPathTriedAndIsNamedInTheReport()
    {
        const string variable = "CLIPENGINE_TEST_LIBRARY_OVERRIDE";
        var path = Path.Combine(Path.GetTempPath(), $"clipengine-no-such-dir-{Guid.NewGuid():N}", "libcuda.so.1");
        Environment.SetEnvironmentVariable(variable, path);
        try
        {
            var probe = new NativeLibraryProbe("libcuda (test)", variable, ["libc.so.6"], ["kernel32.dll"]);

            Assert.False(probe.IsLoaded);
            var tried = Assert.Single(probe.Tried);
            Assert.StartsWith($"{path} (from {variable}): ", tried);
            Assert.Contains(path, probe.FailureReason);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void TheFirstCandidateThatLoadsWins()
    {
        var present = OperatingSystem.IsWindows() ? "kernel32.dll" : "libc.so.6";
        var probe = new NativeLibraryProbe("libc (test)", "CLIPENGINE_TEST_UNSET_LIBRARY",
            ["libclipengine-missing.so", present], ["clipengine-missing.dll", present]);

        Assert.True(probe.IsLoaded);
        Assert.Equal(present, probe.Path);
        Assert.NotEqual(0, probe.Handle);
        Assert.Single(probe.Tried);
        Assert.Null(probe.FailureReason);
    }
}
