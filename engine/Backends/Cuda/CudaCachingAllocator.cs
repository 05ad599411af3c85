using System.Collections.Concurrent;

namespace ClipEngine.Backends.Cuda;

/// <summary>
/// Device memory recycled instead of returned, as PyTorch's caching allocator does: a training step frees and asks for
/// the same sizes again, and a driver allocation (which synchronises the device) per tensor would dominate.
/// Requests are rounded (<see cref="RoundSize"/>) so nearby sizes share blocks; a freed block goes to the free list of
/// its stream and is reused by later requests on that stream without synchronisation, since work on one stream runs
/// in order. A cached block serves a request when it is at most a quarter larger than the rounded size (best fit).
/// When the driver runs out, the cache is returned to it and pending finalizers are run, then the allocation is tried
/// once more. Thread-safe.
/// </summary>
public sealed class CudaCachingAllocator : IDisposable
{
    /// <summary>Requests up to this size round to <see cref="SmallGranule"/>, larger ones to <see cref="LargeGranule"/>.</summary>
    public const long SmallLimit = 1 << 20;

    public const long SmallGranule = 512;

    public const long LargeGranule = 2 << 20;

    private readonly ICudaDriver _driver;
    private readonly Lock _lock = new();
    private readonly Dictionary<nint, SortedSet<CudaBlock>> _free = [];
    private readonly Dictionary<ulong, CudaBlock> _active = [];

    // Blocks of storages that were finalized instead of disposed, reclaimed on the next call (see CudaStorage).
    private readonly ConcurrentQueue<CudaBlock> _finalized = new();
    private long _allocated;
    private long _reserved;
    private long _peak;
    private long _driverAllocations;
    private long _driverFrees;
    private bool _disposed;

    public CudaCachingAllocator(ICudaDriver driver) => _driver = driver;

    public CudaMemoryStats Stats
    {
        get
        {
            lock (_lock) return new CudaMemoryStats(_allocated, _reserved, _peak, _driverAllocations, _driverFrees);
        }
    }

    /// <summary>The size a request of <paramref name="bytes"/> is served with: 512-byte multiples up to 1 MiB, then 2 MiB multiples.</summary>
    public static long RoundSize(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var granule = bytes <= SmallLimit ? SmallGranule : LargeGranule;
        return Math.Max(granule, (bytes + granule - 1) / granule * granule);
    }

    /// <summary>A block of at least <paramref name="bytes"/> for work on <paramref name="stream"/>.</summary>
    public CudaBlock Allocate(long bytes, nint stream)
    {
        var size = RoundSize(bytes);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ReclaimFinalized();
            if (TryTakeCached(size, stream, out var cached)) return Activate(cached);
            if (TryAllocateFromDriver(size, stream, out var fresh)) return Activate(fresh);
            ReleaseCached();
        }
        // Tensors that were dropped without Dispose hold memory until their finalizers run; run them (outside the
        // lock, which the finalizers never take) and try once more.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ReclaimFinalized();
            if (TryTakeCached(size, stream, out var cached)) return Activate(cached);
            ReleaseCached();
            if (TryAllocateFromDriver(size, stream, out var fresh)) return Activate(fresh);
            throw OutOfMemory(bytes, size);
        }
    }

    /// <summary>Returns a block to the cache of its stream; after <see cref="Dispose"/> this does nothing.</summary>
    public void Free(CudaBlock block)
    {
        lock (_lock)
        {
            if (_disposed) return;
            if (!_active.Remove(block.Pointer.Address))
                throw new InvalidOperationException($"block {block.Pointer} ({block.Size} bytes) is not allocated by this allocator, or was freed twice");
            _allocated -= block.Size;
            FreeList(block.Stream).Add(block);
        }
    }

    /// <summary>
    /// Called from a finalizer: only queues the block. A finalizer must not call the driver (the real one needs the
    /// CUDA context current on the calling thread, and at shutdown the context may be gone) nor take the lock.
    /// </summary>
    public void FreeFromFinalizer(CudaBlock block) => _finalized.Enqueue(block);

    /// <summary>Returns every cached (free) block to the driver, as torch.cuda.empty_cache() does.</summary>
    public void Trim()
    {
        lock (_lock)
        {
            if (_disposed) return;
            ReclaimFinalized();
            ReleaseCached();
        }
    }

    public void ResetPeak()
    {
        lock (_lock) _peak = _allocated;
    }

    /// <summary>
    /// Returns all memory to the driver, including blocks of storages still alive: the backend disposes the allocator
    /// with the driver, after which no tensor of it may be used.
    /// </summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            ReclaimFinalized();
            ReleaseCached();
            foreach (var block in _active.Values) _driver.Free(block.Pointer);
            _active.Clear();
            _allocated = 0;
            _reserved = 0;
            _disposed = true;
        }
    }

    private SortedSet<CudaBlock> FreeList(nint stream)
    {
        if (!_free.TryGetValue(stream, out var list))
            _free[stream] = list = new SortedSet<CudaBlock>(BySizeThenAddress.Instance);
        return list;
    }

    private bool TryTakeCached(long size, nint stream, out CudaBlock block)
    {
        block = default;
        if (!_free.TryGetValue(stream, out var list) || list.Count == 0) return false;
        var fits = list.GetViewBetween(new CudaBlock(DevicePtr.Null, size, stream), new CudaBlock(new DevicePtr(ulong.MaxValue), size + size / 4, stream));
        if (fits.Count == 0) return false;
        block = fits.Min;
        list.Remove(block);
        return true;
    }

    private bool TryAllocateFromDriver(long size, nint stream, out CudaBlock block)
    {
        try
        {
            block = new CudaBlock(_driver.Alloc(size), size, stream);
        }
        catch (CudaOutOfMemoryException)
        {
            block = default;
            return false;
        }
        _driverAllocations++;
        _reserved += size;
        return true;
    }

    private CudaBlock Activate(CudaBlock block)
    {
        _active.Add(block.Pointer.Address, block);
        _allocated += block.Size;
        _peak = Math.Max(_peak, _allocated);
        return block;
    }

    private void ReleaseCached()
    {
        foreach (var list in _free.Values)
        {
            foreach (var block in list)
            {
                _driver.Free(block.Pointer);
                _reserved -= block.Size;
                _driverFrees++;
            }
            list.Clear();
        }
    }

    private void ReclaimFinalized()
    {
        while (_finalized.TryDequeue(out var block))
        {
            if (!_active.Remove(block.Pointer.Address)) continue;
            _allocated -= block.Size;
            FreeList(block.Stream).Add(block);
        }
    }

    private CudaOutOfMemoryException OutOfMemory(long requested, long rounded)
    {
        var (free, total) = _driver.MemoryInfo();
        return new CudaOutOfMemoryException(
            $"CUDA out of memory on {_driver.Device.Name}: tried to allocate {FormatBytes(requested)} (rounded to {FormatBytes(rounded)}); " +
            $"the device has {FormatBytes(free)} free of {FormatBytes(total)}; this allocator reserves {FormatBytes(_reserved)}, " +
            $"of which {FormatBytes(_allocated)} is allocated to live tensors (the cache was emptied and finalizers run before giving up)",
            requested);
    }

    internal static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.##} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.##} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.##} KiB",
        _ => $"{bytes} bytes",
    };

    private sealed class BySizeThenAddress : IComparer<CudaBlock>
    {
        public static readonly BySizeThenAddress Instance = new();

        public int Compare(CudaBlock x, CudaBlock y)
        {
            var bySize = x.Size.CompareTo(y.Size);
            return bySize != 0 ? bySize : x.Pointer.Address.CompareTo(y.Pointer.Address);
        }
    }
}
