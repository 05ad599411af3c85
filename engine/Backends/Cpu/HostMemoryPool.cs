using System.Runtime.InteropServices;

namespace ClipEngine.Backends.Cpu;

/// <summary>
/// Caches freed host blocks for reuse, as a GPU caching allocator does. A training step allocates and frees the same
/// activation sizes every step; without the cache each large block comes fresh from mmap and every page of it faults
/// on first touch (about 110k faults, 430 MB of page zeroing, per step of the bench's small CLIP). Blocks of at
/// least <see cref="MinPooledBytes"/> are rounded up to a size class (eight per power of two, so at most 12.5%
/// extra) and kept on a free list per class; smaller ones go straight to the C allocator, which reuses them well.
/// The cache holds at most a quarter of the memory the runtime sees; a block freed beyond that is released.
/// The GC is told of memory when it is taken from or given back to the system, not on every reuse: reporting each
/// tensor's allocation (GC.AddMemoryPressure) induced ~120 gen-2 collections per step. Leaked storages still add
/// pressure through the fresh blocks that replace them, so their finalizers still run.
/// Thread-safe: storages may be freed by the finalizer thread.
/// </summary>
internal static unsafe class HostMemoryPool
{
    public const long MinPooledBytes = 64 * 1024;

    private const int Alignment = 64;

    private static readonly Dictionary<long, Stack<nint>> Free = [];
    private static readonly long Capacity = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4;
    private static long _cachedBytes;

    /// <summary>Cached bytes waiting for reuse.</summary>
    public static long CachedBytes
    {
        get
        {
            lock (Free) return _cachedBytes;
        }
    }

    /// <summary>A 64-byte aligned block of at least <paramref name="byteLength"/> bytes (uninitialised).</summary>
    public static void* Rent(long byteLength)
    {
        var size = SizeClass(byteLength);
        if (size >= MinPooledBytes)
        {
            lock (Free)
            {
                if (Free.TryGetValue(size, out var blocks) && blocks.Count > 0)
                {
                    _cachedBytes -= size;
                    return (void*)blocks.Pop();
                }
            }
        }
        var fresh = NativeMemory.AlignedAlloc((nuint)size, Alignment);
        GC.AddMemoryPressure(size);
        return fresh;
    }

    /// <summary>Takes back a block from <see cref="Rent"/> with the same <paramref name="byteLength"/>.</summary>
    public static void Return(void* block, long byteLength)
    {
        var size = SizeClass(byteLength);
        if (size >= MinPooledBytes)
        {
            lock (Free)
            {
                if (_cachedBytes + size <= Capacity)
                {
                    if (!Free.TryGetValue(size, out var blocks)) Free[size] = blocks = new Stack<nint>();
                    blocks.Push((nint)block);
                    _cachedBytes += size;
                    return;
                }
            }
        }
        Release(block, size);
    }

    private static void Release(void* block, long size)
    {
        NativeMemory.AlignedFree(block);
        GC.RemoveMemoryPressure(size);
    }

    /// <summary>The byte length rounded up to the next of eight steps per power of two (itself below 64 KiB; 1 for 0).</summary>
    internal static long SizeClass(long byteLength)
    {
        if (byteLength < MinPooledBytes) return Math.Max(byteLength, 1);
        var step = 1L << (60 - (int)long.LeadingZeroCount(byteLength));
        return (byteLength + step - 1) / step * step;
    }
}
