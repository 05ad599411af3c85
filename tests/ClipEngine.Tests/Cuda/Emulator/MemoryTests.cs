using ClipEngine.Backends.Cuda;
using ClipEngine.Backends.Cuda.Emulated;

namespace ClipEngine.Tests.Cuda.Emulator;

[Collection(EmulatorCollection.Name)]
public sealed unsafe class MemoryTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CopiesAndMemsetRoundTrip(bool sanitizerArena)
    {
        using var driver = new EmulatedDriver(new EmulatedDriverOptions { AddressSanitizer = sanitizerArena, TotalMemory = 16L << 20 });
        const int n = 1000;
        var values = Enumerable.Range(0, n).Select(i => (byte)(i * 7)).ToArray();
        var a = driver.Alloc(n);
        var b = driver.Alloc(n);
        Assert.Equal(0ul, a.Address % 256);
        Assert.Equal(0ul, b.Address % 256);
        var stream = driver.CreateStream();
        var pinned = (byte*)driver.AllocHost(n);
        try
        {
            fixed (byte* p = values) driver.CopyHostToDevice(a, p, n, 0);
            driver.CopyDeviceToDevice(b, a, n, stream);
            driver.MemsetAsync(b.Offset(100), 0xAB, 50, stream);
            driver.CopyDeviceToHostAsync(pinned, b, n, stream);
            driver.SynchronizeStream(stream);

            var expected = values.ToArray();
            Array.Fill(expected, (byte)0xAB, 100, 50);
            Assert.Equal(expected, new ReadOnlySpan<byte>(pinned, n).ToArray());

            var back = new byte[n];
            fixed (byte* p = back) driver.CopyDeviceToHost(p, a, n, 0);
            Assert.Equal(values, back);
        }
        finally
        {
            driver.FreeHost(pinned);
            driver.DestroyStream(stream);
            driver.Free(a);
            driver.Free(b);
        }
    }

    [Fact]
    public void RangesOutsideLiveAllocationsAreRejected()
    {
        using var driver = new EmulatedDriver(new EmulatedDriverOptions { TotalMemory = 16L << 20 });
        var a = driver.Alloc(100);
        var host = stackalloc byte[200];
        Assert.Throws<CudaException>(() => driver.CopyHostToDevice(a, host, 101, 0));
        Assert.Throws<CudaException>(() => driver.MemsetAsync(a.Offset(-1), 0, 10, 0));
        driver.Free(a);
        Assert.Throws<CudaException>(() => driver.CopyDeviceToHost(host, a, 1, 0));
        Assert.Throws<CudaException>(() => driver.Free(a));
    }

    [Fact]
    public void MemoryInfoAccountsForAllocationsAndOutOfMemoryIsReported()
    {
        const long total = 1L << 20;
        using var driver = new EmulatedDriver(new EmulatedDriverOptions { TotalMemory = total });
        Assert.Equal((total, total), driver.MemoryInfo());
        var a = driver.Alloc(1000);
        Assert.Equal(total - 1024, driver.MemoryInfo().Free);
        var error = Assert.Throws<CudaOutOfMemoryException>(() => driver.Alloc(total));
        Assert.Equal(total, error.RequestedBytes);
        driver.Free(a);
        Assert.Equal(total, driver.MemoryInfo().Free);
    }

    [Fact]
    public void FreedSanitizerArenaSpaceIsReused()
    {
        using var driver = new EmulatedDriver(new EmulatedDriverOptions { AddressSanitizer = true, TotalMemory = 1L << 20 });
        for (var i = 0; i < 100; i++) driver.Free(driver.Alloc(300 << 10));
        var a = driver.Alloc(300 << 10);
        var b = driver.Alloc(300 << 10);
        Assert.NotEqual(a, b);
        driver.Free(a);
        driver.Free(b);
    }

    [Fact]
    public void EventsMeasureBetweenRecords()
    {
        using var driver = new EmulatedDriver();
        var start = driver.CreateEvent();
        var end = driver.CreateEvent();
        Assert.Throws<CudaException>(() => driver.ElapsedMilliseconds(start, end));
        driver.RecordEvent(start, 0);
        driver.RecordEvent(end, 0);
        driver.SynchronizeEvent(end);
        Assert.True(driver.ElapsedMilliseconds(start, end) >= 0);
        driver.DestroyEvent(start);
        driver.DestroyEvent(end);
        Assert.Throws<CudaException>(() => driver.RecordEvent(start, 0));
    }
}
