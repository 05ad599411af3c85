namespace ClipEngine.Backends.Cuda;

/// <summary>
/// A block of device memory handed out by <see cref="CudaCachingAllocator"/>: its address, its rounded size and the
/// stream it belongs to (it is reused without synchronisation only by work on that stream).
/// </summary>
public readonly record struct CudaBlock(DevicePtr Pointer, long Size, nint Stream);
