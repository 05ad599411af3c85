namespace ClipEngine;

/// <summary>
/// A block of memory on one device, shared by a tensor and its views (reshape) through a reference count:
/// the memory goes back to its backend when the last tensor using it is disposed.
/// </summary>
public abstract class Storage
{
    private int _refCount = 1;

    protected Storage(Device device, long byteLength)
    {
        Device = device;
        ByteLength = byteLength;
    }

    public Device Device { get; }

    public long ByteLength { get; }

    internal bool IsReleased => Volatile.Read(ref _refCount) <= 0;

    /// <summary>More than one tensor (a view) uses this storage.</summary>
    internal bool IsShared => Volatile.Read(ref _refCount) > 1;

    internal void AddRef()
    {
        if (Interlocked.Increment(ref _refCount) <= 1)
            throw new ObjectDisposedException(nameof(Storage), "storage was already released");
    }

    internal void Release()
    {
        if (Interlocked.Decrement(ref _refCount) == 0) Free();
    }

    protected abstract void Free();
}

/// <summary>Host memory, 64-byte aligned so SIMD loads never straddle cache lines.</summary>
public sealed unsafe class CpuStorage : Storage
{
    private void* _ptr;

    public CpuStorage(long byteLength) : base(Device.Cpu, byteLength)
    {
        _ptr = Backends.Cpu.HostMemoryPool.Rent(byteLength);
    }

    ~CpuStorage() => FreeMemory();

    public void* Pointer => _ptr != null ? _ptr : throw new ObjectDisposedException(nameof(CpuStorage));

    public Span<T> AsSpan<T>(long elementOffset, int length) where T : unmanaged =>
        new((T*)Pointer + elementOffset, length);

    protected override void Free()
    {
        FreeMemory();
        GC.SuppressFinalize(this);
    }

    private void FreeMemory()
    {
        var p = _ptr;
        if (p == null) return;
        _ptr = null;
        Backends.Cpu.HostMemoryPool.Return(p, ByteLength);
    }
}
