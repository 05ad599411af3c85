namespace ClipEngine.Backends.Cuda;

/// <summary>
/// Device memory of a tensor: a block of a <see cref="CudaCachingAllocator"/>, returned to it when the last tensor
/// using the storage is disposed. The finalizer is only a safety net for tensors dropped without Dispose: it runs on
/// the finalizer thread, where the driver must not be called, so it queues the block and the allocator reclaims it on
/// its next call (or when it runs out of memory and waits for pending finalizers).
/// </summary>
public sealed class CudaStorage : Storage
{
    private readonly CudaCachingAllocator _allocator;
    private readonly CudaBlock _block;
    private int _freed;

    public CudaStorage(CudaCachingAllocator allocator, Device device, long byteLength, nint stream)
        : base(device, byteLength)
    {
        _allocator = allocator;
        _block = allocator.Allocate(byteLength, stream);
    }

    ~CudaStorage()
    {
        if (Interlocked.Exchange(ref _freed, 1) == 0) _allocator.FreeFromFinalizer(_block);
    }

    public DevicePtr Pointer => Volatile.Read(ref _freed) == 0
        ? _block.Pointer
        : throw new ObjectDisposedException(nameof(CudaStorage), $"device storage of {ByteLength} bytes on {Device} was released");

    /// <summary>The allocator's block: its rounded size and stream.</summary>
    public CudaBlock Block => _block;

    protected override void Free()
    {
        if (Interlocked.Exchange(ref _freed, 1) != 0) return;
        _allocator.Free(_block);
        GC.SuppressFinalize(this);
    }
}
