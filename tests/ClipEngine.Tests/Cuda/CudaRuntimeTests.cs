using System.Runtime.InteropServices;
using ClipEngine.Backends;
using ClipEngine.Backends.Cuda;

namespace ClipEngine.Tests.Cuda;

/// <summary>The backend's plumbing over a fake driver: storages, kernel modules, launches, timing, registration.</summary>
[Collection(CudaTestDevice.Collection)]
public unsafe class CudaRuntimeTests
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Triple
    {
        public long A;
        public int B;
        public float C;
    }

    [Fact]
    public void StorageGoesBackToTheAllocatorWhenItsLastTensorIsDisposed()
    {
        using var backend = new CudaBackend(new FakeCudaDriver());
        var tensor = new Tensor(backend.Allocate(16 * sizeof(float)), [16], DType.F32);
        var view = tensor.View([4, 4]);
        Assert.Equal(512, backend.Allocator.Stats.AllocatedBytes);

        tensor.Dispose();
        Assert.Equal(512, backend.Allocator.Stats.AllocatedBytes);
        view.Dispose();
        Assert.Equal(0, backend.Allocator.Stats.AllocatedBytes);
        Assert.Equal(512, backend.Allocator.Stats.ReservedBytes);
        Assert.Throws<ObjectDisposedException>(() => CudaBackend.Ptr(tensor));
    }

    [Fact]
    public void StorageIsAllocatedOnTheBackendsStream()
    {
        using var backend = new CudaBackend(new FakeCudaDriver());
        var storage = (CudaStorage)backend.Allocate(100);
        Assert.Equal(backend.Stream, storage.Block.Stream);
        Assert.Equal(Device.Cuda(0), storage.Device);
        Assert.Equal(100, storage.ByteLength);
    }

    [Fact]
    public void EachKernelFileIsLoadedOnceAndFunctionsAreCached()
    {
        var driver = new FakeCudaDriver();
        using var modules = new KernelModules(driver);
        Parallel.For(0, 64, i =>
        {
            modules.Get("reduce.cu", i % 2 == 0 ? "reduce_rows_f32" : "reduce_cols_f32");
            modules.Get("fill.cu", "fill_u32");
        });

        Assert.Equal(2, driver.ModuleLoads);
        Assert.Equal("reduce.cu:reduce_rows_f32", modules.Get("reduce.cu", "reduce_rows_f32").Name);
        Assert.Throws<ArgumentException>(() => modules.Get("nonexistent.cu", "f"));
    }

    [Fact]
    public void LaunchPassesAPointerToEachArgumentValue()
    {
        var driver = new FakeCudaDriver();
        var seen = new List<object>();
        Dim3 grid = default, block = default;
        var shared = -1;
        nint stream = -1;
        driver.OnLaunch = (_, g, b, s, st, args) =>
        {
            (grid, block, shared, stream) = (g, b, s, st);
            seen.Add(*(int*)args[0]);
            seen.Add(*(float*)args[1]);
            seen.Add(*(long*)args[2]);
            seen.Add(*(ulong*)args[3]);
            seen.Add(*(ushort*)args[4]);
            seen.Add(*(Triple*)args[5]);
        };
        var launcher = new KernelLauncher(driver, 42);
        var triple = new Triple { A = -5, B = 6, C = 0.25f };

        launcher.Launch(new CudaFunction(1, "k"), new LaunchConfig(new Dim3(3, 2), 128, 64), 7, 2.5f, 1L << 40, new DevicePtr(0xdead00), (ushort)0xabcd, triple);

        Assert.Equal(new object[] { 7, 2.5f, 1L << 40, 0xdead00UL, (ushort)0xabcd, triple }, seen);
        Assert.Equal((new Dim3(3, 2), new Dim3(128), 64, (nint)42), (grid, block, shared, stream));
    }

    [Fact]
    public void LaunchOfAnEmptyGridDoesNothing()
    {
        var driver = new FakeCudaDriver();
        var launches = 0;
        driver.OnLaunch = (_, _, _, _, _, _) => launches++;
        new KernelLauncher(driver, 1).Launch(new CudaFunction(1, "k"), new LaunchConfig(new Dim3(0), 32), 1);
        Assert.Equal(0, launches);
    }

    [Fact]
    public void LaunchingAllocatesNothing()
    {
        var driver = new FakeCudaDriver();
        long sum = 0;
        driver.OnLaunch = (_, _, _, _, _, args) => sum += *(long*)args[3];
        using var backend = new CudaBackend(driver);
        var index = BroadcastIndex.Create([2, 1, 3], [1, 4, 1], [2, 4, 3]);
        void LaunchOnce(long i) => backend.Launcher.Launch(backend.Modules.Get("elementwise.cu", "binary_f32_broadcast"),
            LaunchConfig.GridStride(1000, 8), 0, DevicePtr.Null, DevicePtr.Null, i, 24L, index, 1);
        for (var i = 0; i < 200; i++) LaunchOnce(0);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 1; i <= 1000; i++) LaunchOnce(i);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The runtime may allocate a few bytes once (tiered compilation); any per-launch allocation is >= 24 bytes each.
        Assert.True(allocated < 1000, $"1000 launches allocated {allocated} bytes");
        Assert.Equal(1000L * 1001 / 2, sum);
    }

    [Theory]
    [InlineData(0, 8, 256, 1)]
    [InlineData(1, 8, 256, 1)]
    [InlineData(256, 8, 256, 1)]
    [InlineData(257, 8, 256, 2)]
    [InlineData(1_000_000, 8, 256, 8)]
    [InlineData(100, 8, 32, 4)]
    public void GridStrideCoversTheElementsWithinTheBlockCap(long count, int maxBlocks, int blockSize, uint expectedBlocks)
    {
        var config = LaunchConfig.GridStride(count, maxBlocks, blockSize);
        Assert.Equal(new Dim3(expectedBlocks), config.Grid);
        Assert.Equal(new Dim3((uint)blockSize), config.Block);
    }

    [Fact]
    public void BroadcastIndexMergesDimensionsThatRunAlike()
    {
        Assert.Equal("shape [10, 7] a [7, 1] b [0, 1]", Describe(BroadcastIndex.Create([2, 5, 7], [7], [2, 5, 7])));
        Assert.Equal("shape [2, 4, 3] a [3, 0, 1] b [0, 1, 0]", Describe(BroadcastIndex.Create([2, 1, 3], [1, 4, 1], [2, 4, 3])));
        Assert.Equal("shape [6, 5] a [0, 1] b [1, 0]", Describe(BroadcastIndex.Create([1, 1, 5], [2, 3, 1], [2, 3, 5])));
        Assert.Equal("shape [] a [] b []", Describe(BroadcastIndex.Create([1, 1], [1], [1, 1])));

        // Ten dimensions that alternate between stretching a and b need ten after merging.
        int[] a = [2, 1, 2, 1, 2, 1, 2, 1, 2, 1], b = [1, 2, 1, 2, 1, 2, 1, 2, 1, 2], c = [2, 2, 2, 2, 2, 2, 2, 2, 2, 2];
        Assert.Throws<NotSupportedException>(() => BroadcastIndex.Create(a, b, c));
    }

    [Fact]
    public void TimerReportsTheDriversTimeBetweenItsEvents()
    {
        var driver = new FakeCudaDriver();
        using var backend = new CudaBackend(driver);
        using var timer = backend.CreateTimer();
        timer.Start();
        timer.Stop();
        Assert.Equal(1f, timer.ElapsedMilliseconds);
    }

    [Fact]
    public void RegistryBuildsCudaDevicesOverTheChosenDriver()
    {
        var driver = new FakeCudaDriver();
        try
        {
            CudaBackend.UseDriver(index => index == 5 ? driver : throw new InvalidOperationException($"unexpected cuda:{index}"));
            var backend = Assert.IsType<CudaBackend>(BackendRegistry.For(Device.Cuda(5)));
            Assert.Same(driver, backend.Driver);
            Assert.Equal(Device.Cuda(5), backend.Device);
            Assert.Same(backend, BackendRegistry.For(Device.Cuda(5)));
        }
        finally
        {
            CudaTestDevice.UseTestDriver();
        }
    }

    [Fact]
    public void DisposingTheBackendFreesItsMemoryAndStream()
    {
        var driver = new FakeCudaDriver();
        var backend = new CudaBackend(driver);
        var live = new Tensor(backend.Allocate(4000), [1000], DType.F32);
        new Tensor(backend.Allocate(5000), [1250], DType.F32).Dispose();

        backend.Dispose();

        Assert.Equal(0, driver.InUse);
        Assert.Equal(new[] { $"stream {backend.Stream}" }, driver.DestroyedStreams);
        live.Dispose();
    }

    private static string Describe(BroadcastIndex index)
    {
        var rank = (int)index.Rank;
        long[] shape = new long[rank], a = new long[rank], b = new long[rank];
        for (var d = 0; d < rank; d++) (shape[d], a[d], b[d]) = (index.Shape[d], index.StrideA[d], index.StrideB[d]);
        return $"shape [{string.Join(", ", shape)}] a [{string.Join(", ", a)}] b [{string.Join(", ", b)}]";
    }
}
