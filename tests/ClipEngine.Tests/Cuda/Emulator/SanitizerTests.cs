using ClipEngine.Backends.Cuda;
using ClipEngine.Backends.Cuda.Emulated;

namespace ClipEngine.Tests.Cuda.Emulator;

/// <summary>AddressSanitizer mode: launches run in an ASan child process against poisoned device memory.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class SanitizerTests
{
    [Fact]
    public void InBoundsKernelRunsAndAnOutOfBoundsWriteIsCaught()
    {
        using var driver = new EmulatedDriver(new EmulatedDriverOptions { AddressSanitizer = true, TotalMemory = 64L << 20 });
        using var module = driver.LoadModule(EmulatorFixture.Source("bounds.cu"));
        var fill = module.GetFunction("fill_index");
        const int n = 100;
        using var before = DeviceArray<float>.Zeros(driver, 64);
        using var output = DeviceArray<float>.Zeros(driver, n);
        using var after = DeviceArray<float>.Zeros(driver, 64);

        driver.Run(fill, 4, 32, 0, output, n, 0);
        Assert.Equal(Enumerable.Range(0, n).Select(i => (float)i), output.ToArray());

        var error = Assert.Throws<CudaException>(() => driver.Run(fill, 4, 32, 0, output, n, 1));
        Assert.Contains("fill_index", error.Message);
        Assert.Contains("AddressSanitizer", error.Message);
        Assert.Contains("WRITE of size 4", error.Message);
        Assert.Contains("bounds.cu:5", error.Message);
        Assert.All(after.ToArray(), v => Assert.Equal(0f, v));
    }
}
