using System.Runtime.CompilerServices;
using ClipEngine.Backends.Cuda;

namespace ClipEngine.Tests.Cuda;

public class CudaCachingAllocatorTests
{
    private const long MiB = 1 << 20;

    [Theory]
    [InlineData(0, 512)]
    [InlineData(1, 512)]
    [InlineData(512, 512)]
    [InlineData(513, 1024)]
    [InlineData(1000, 1024)]
    [InlineData(MiB, MiB)]
    [InlineData(MiB + 1, 2 * MiB)]
    [InlineData(2 * MiB + 1, 4 * MiB)]
    [InlineData(9 * MiB, 10 * MiB)]
    public void RoundsSmallRequestsTo512BytesAndLargeOnesTo2MiB(long bytes, long expected) =>
        Assert.Equal(expected, CudaCachingAllocator.RoundSize(bytes));

    [Fact]
    public void FreedBlockIsReusedWithoutAskingTheDriver()
    {
        var driver = new FakeCudaDriver();
        using var allocator = new CudaCachingAllocator(driver);
        var first = allocator.Allocate(1000, stream: 1);
        allocator.Free(first);
        var second = allocator.Allocate(700, stream: 1);

        Assert.Equal(first.Pointer, second.Pointer);
        Assert.Equal(1024, second.Size);
        Assert.Equal(1, driver.Allocs);
        Assert.Equal(1, allocator.Stats.DriverAllocations);
    }

    [Fact]
    public void CachedBlockServesOnlyRequestsItFitsWithinAQuarter()
    {
        var driver = new FakeCudaDriver();
        using var allocator = new CudaCachingAllocator(driver);
        var large = allocator.Allocate(8 * MiB, stream: 1);
        allocator.Free(large);

        var tooSmall = allocator.Allocate(4 * MiB, stream: 1);
        Assert.NotEqual(large.Pointer, tooSmall.Pointer);
        var close = allocator.Allocate(7 * MiB, stream: 1);
        Assert.Equal(large.Pointer, close.Pointer);
        var tooLarge = allocator.Allocate(9 * MiB, stream: 1);
        Assert.NotEqual(large.Pointer, tooLarge.Pointer);
        Assert.Equal(3, driver.Allocs);
    }

    [Fact]
    public void BestFitPicksTheSmallestCachedBlockThatFits()
    {
        var driver = new FakeCudaDriver();
        using var allocator = new CudaCachingAllocator(driver);
        var bigger = allocator.Allocate(10 * MiB, stream: 1);
        var exact = allocator.Allocate(8 * MiB, stream: 1);
        allocator.Free(bigger);
        allocator.Free(exact);

        Assert.Equal(exact.Pointer, allocator.Allocate(8 * MiB, stream: 1).Pointer);
        Assert.Equal(bigger.Pointer, allocator.Allocate(8 * MiB, stream: 1).Pointer);
    }

    [Fact]
    public void FreedBlockIsReusedOnlyOnItsOwnStream()
    {
        var driver = new FakeCudaDriver();
        using var allocator = new CudaCachingAllocator(driver);
        var onOne = allocator.Allocate(4096, stream: 1);
        allocator.Free(onOne);

        var onTwo = allocator.Allocate(4096, stream: 2);
        Assert.NotEqual(onOne.Pointer, onTwo.Pointer);
        Assert.Equal(2, onTwo.Stream);
        Assert.Equal(2, driver.Allocs);

        var againOnOne = allocator.Allocate(4096, stream: 1);
        Assert.Equal(onOne.Pointer, againOnOne.Pointer);
        Assert.Equal(2, driver.Allocs);
    }

    [Fact]
    public void StatsTrackAllocatedReservedAndPeak()
    {
        var driver = new FakeCudaDriver();
        using var allocator = new CudaCachingAllocator(driver);
        var a = allocator.Allocate(1000, stream: 1);
        var b = allocator.Allocate(3 * MiB, stream: 1);
        Assert.Equal(new CudaMemoryStats(1024 + 4 * MiB, 1024 + 4 * MiB, 1024 + 4 * MiB, 2, 0), allocator.Stats);

        allocator.Free(b);
        var stats = allocator.Stats;
        Assert.Equal(1024, stats.AllocatedBytes);
        Assert.Equal(1024 + 4 * MiB, stats.ReservedBytes);
        Assert.Equal(4 * MiB, stats.CachedBytes);
        Assert.Equal(1024 + 4 * MiB, stats.PeakAllocatedBytes);

        allocator.ResetPeak();
        Assert.Equal(1024, allocator.Stats.PeakAllocatedBytes);
        allocator.Free(a);
        Assert.Equal(0, allocator.Stats.AllocatedBytes);
        Assert.Equal(driver.InUse, allocator.Stats.ReservedBytes);
    }

    [Fact]
    public void TrimReturnsCachedBlocksButKeepsLiveOnes()
    {
        var driver = new FakeCudaDriver();
        using var allocator = new CudaCachingAllocator(driver);
        var live = allocator.Allocate(MiB, stream: 1);
        allocator.Free(allocator.Allocate(5 * MiB, stream: 1));
        allocator.Free(allocator.Allocate(2048, stream: 2));

        allocator.Trim();

        Assert.Equal(2, driver.Frees);
        Assert.Equal(MiB, driver.InUse);
        Assert.Equal(new CudaMemoryStats(MiB, MiB, 6 * MiB + MiB, 3, 2), allocator.Stats);
        allocator.Free(live);
    }

    [Fact]
    public void DoubleFreeIsAnError()
    {
        using var allocator = new CudaCachingAllocator(new FakeCudaDriver());
        var block = allocator.Allocate(100, stream: 1);
        allocator.Free(block);
        var error = Assert.Throws<InvalidOperationException>(() => allocator.Free(block));
        Assert.Contains("freed twice", error.Message);
    }

    [Fact]
    public void OutOfMemoryTrimsTheCacheAndRetries()
    {
        var driver = new FakeCudaDriver(capacity: 10 * MiB);
        using var allocator = new CudaCachingAllocator(driver);
        allocator.Free(allocator.Allocate(6 * MiB, stream: 1));
        allocator.Free(allocator.Allocate(2 * MiB, stream: 2));

        // 8 MiB fits only once the two cached blocks (on other sizes and streams) go back to the driver.
        var block = allocator.Allocate(8 * MiB, stream: 3);

        Assert.Equal(8 * MiB, block.Size);
        Assert.Equal(2, driver.Frees);
        Assert.Equal(8 * MiB, allocator.Stats.ReservedBytes);
    }

    [Fact]
    public void OutOfMemoryAfterRetryNamesRequestFreeReservedAndAllocated()
    {
        var driver = new FakeCudaDriver(capacity: 10 * MiB);
        using var allocator = new CudaCachingAllocator(driver);
        var live = allocator.Allocate(4 * MiB, stream: 1);

        var error = Assert.Throws<CudaOutOfMemoryException>(() => allocator.Allocate(7 * MiB, stream: 1));

        Assert.Equal(7 * MiB, error.RequestedBytes);
        Assert.Contains("tried to allocate 7 MiB (rounded to 8 MiB)", error.Message);
        Assert.Contains("6 MiB free of 10 MiB", error.Message);
        Assert.Contains("reserves 4 MiB", error.Message);
        Assert.Contains("4 MiB is allocated", error.Message);
        Assert.Contains(driver.Device.Name, error.Message);
        allocator.Free(live);
    }

    [Fact]
    public void OutOfMemoryReclaimsStoragesThatWereNeverDisposed()
    {
        var driver = new FakeCudaDriver(capacity: 10 * MiB);
        using var allocator = new CudaCachingAllocator(driver);
        DropStorage(allocator, 8 * MiB);

        var block = allocator.Allocate(8 * MiB, stream: 1);

        Assert.Equal(8 * MiB, block.Size);
        Assert.Equal(8 * MiB, allocator.Stats.AllocatedBytes);
    }

    [Fact]
    public void FinalizedBlocksAreReclaimedOnTheNextCall()
    {
        var driver = new FakeCudaDriver();
        using var allocator = new CudaCachingAllocator(driver);
        var block = allocator.Allocate(4096, stream: 1);
        allocator.FreeFromFinalizer(block);
        Assert.Equal(4096, allocator.Stats.AllocatedBytes);

        var reused = allocator.Allocate(4096, stream: 1);

        Assert.Equal(block.Pointer, reused.Pointer);
        Assert.Equal(1, driver.Allocs);
    }

    [Fact]
    public void ConcurrentAllocationsAndFreesKeepTheBooksBalanced()
    {
        var driver = new FakeCudaDriver(capacity: 1L << 40);
        using var allocator = new CudaCachingAllocator(driver);
        Parallel.For(0, 8, worker =>
        {
            var random = new Random(worker);
            var held = new List<CudaBlock>();
            for (var i = 0; i < 2000; i++)
            {
                if (held.Count > 0 && random.Next(2) == 0)
                {
                    var at = random.Next(held.Count);
                    allocator.Free(held[at]);
                    held.RemoveAt(at);
                }
                else held.Add(allocator.Allocate(random.Next(1, 3 * (int)MiB), stream: worker % 3));
            }
            foreach (var block in held) allocator.Free(block);
        });

        var stats = allocator.Stats;
        Assert.Equal(0, stats.AllocatedBytes);
        Assert.Equal(driver.InUse, stats.ReservedBytes);
        Assert.Equal(driver.Allocs, stats.DriverAllocations);
    }

    [Fact]
    public void DisposeReturnsEveryBlockToTheDriver()
    {
        var driver = new FakeCudaDriver();
        var allocator = new CudaCachingAllocator(driver);
        var live = allocator.Allocate(3000, stream: 1);
        allocator.Free(allocator.Allocate(5 * MiB, stream: 1));

        allocator.Dispose();

        Assert.Equal(0, driver.InUse);
        Assert.Equal(2, driver.Frees);
        allocator.Free(live);
        Assert.Throws<ObjectDisposedException>(() => allocator.Allocate(10, stream: 1));
    }

    /// <summary>Allocates a storage and forgets it, so only its finalizer can give the block back.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DropStorage(CudaCachingAllocator allocator, long bytes) =>
        _ = new CudaStorage(allocator, Device.Cuda(0), bytes, stream: 1);
}
