namespace ClipEngine.Backends.Cuda.Emulated;

/// <summary>
/// The emulated device's memory: host memory handed out 256-byte aligned, with a table of live allocations so copies,
/// GEMMs and frees can check that a device range is real (a wrong pointer becomes a clear error, not heap corruption)
/// and AddressSanitizer mode can poison everything else.
/// </summary>
internal abstract class DeviceMemory(long total) : IDisposable
{
    public const int Alignment = 256;

    private readonly SortedList<ulong, long> live = [];
    private long used;

    public long Total { get; } = total;

    public long Free
    {
        get
        {
            lock (live) return Total - used;
        }
    }

    public DevicePtr Alloc(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        lock (live)
        {
            var rounded = RoundUp(bytes);
            if (rounded > Total - used)
                throw new CudaOutOfMemoryException($"emulated device out of memory: asked for {bytes} bytes, {Total - used} of {Total} free", bytes);
            var address = Reserve(bytes);
            live.Add(address, bytes);
            used += rounded;
            return new DevicePtr(address);
        }
    }

    public void Release(DevicePtr pointer)
    {
        lock (live)
        {
            if (!live.Remove(pointer.Address, out var bytes))
                throw new CudaException($"free of {pointer}, which is not the start of a live device allocation");
            used -= RoundUp(bytes);
            Unreserve(pointer.Address, bytes);
        }
    }

    /// <summary>Throws unless [pointer, pointer + bytes) lies inside one live allocation.</summary>
    public void CheckRange(DevicePtr pointer, long bytes, string what)
    {
        if (bytes == 0) return;
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (live)
        {
            var keys = live.Keys;
            int lo = 0, hi = keys.Count - 1, found = -1;
            while (lo <= hi)
            {
                var mid = (lo + hi) >> 1;
                if (keys[mid] <= pointer.Address)
                {
                    found = mid;
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }
            if (found >= 0 && pointer.Address + (ulong)bytes <= keys[found] + (ulong)live.Values[found]) return;
        }
        throw new CudaException($"{what}: device range {pointer} + {bytes} bytes is not inside a live device allocation");
    }

    /// <summary>The live allocations, as (address, bytes).</summary>
    public (ulong Address, long Bytes)[] Allocations()
    {
        lock (live) return [.. live.Select(a => (a.Key, a.Value))];
    }

    public abstract void Dispose();

    protected static long RoundUp(long bytes) => (bytes + Alignment - 1) / Alignment * Alignment;

    protected abstract ulong Reserve(long bytes);

    protected abstract void Unreserve(ulong address, long bytes);
}
