using ClipEngine.Backends.Cpu;

namespace ClipEngine.Tests.Cpu;

public unsafe class HostMemoryPoolTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(100, 100)]
    [InlineData(65_535, 65_535)]
    [InlineData(65_536, 65_536)]
    [InlineData(65_537, 73_728)]
    [InlineData(73_728, 73_728)]
    [InlineData(131_071, 131_072)]
    [InlineData(25_559_040, 27_262_976)]
    public void SizeClassesAreEightStepsPerPowerOfTwo(long bytes, long expected)
    {
        var size = HostMemoryPool.SizeClass(bytes);
        Assert.Equal(expected, size);
        Assert.True(size >= bytes && size <= bytes * 1.125 + 1);
    }

    [Fact]
    public void FreedTensorMemoryIsReusedAndAligned()
    {
        // Another test may take the cached block in between, so reuse is only asserted on the pool's count.
        void* first;
        using (var a = Tensor.Zeros([100_000]))
        {
            first = ((CpuStorage)a.Storage).Pointer;
            Assert.Equal(0, (long)first % 64);
        }
        var cached = HostMemoryPool.CachedBytes;
        Assert.True(cached >= HostMemoryPool.SizeClass(400_000), $"{cached} bytes cached after freeing a 400 kB tensor");
        using var b = Tensor.Full([99_000], 2.0);
        Assert.Equal(0, (long)((CpuStorage)b.Storage).Pointer % 64);
        Assert.All(b.ToArray(), v => Assert.Equal(2f, v));
    }
}
