namespace ClipEngine.Backends.Cuda;

// What the fused-op files share: scratch memory for partial results, optional pointers, one-block-per-row launches.
public sealed partial class CudaBackend
{
    /// <summary>
    /// At least <paramref name="bytes"/> of device memory for kernels queued next; disposing it right after queueing
    /// them is safe, since only later work on the same stream can reuse the block.
    /// </summary>
    private Scratch AllocateScratch(long bytes) => new(Allocator, Allocator.Allocate(Math.Max(bytes, 1), Stream));

    private readonly struct Scratch(CudaCachingAllocator allocator, CudaBlock block) : IDisposable
    {
        public DevicePtr Pointer => block.Pointer;

        public void Dispose() => allocator.Free(block);
    }

    /// <summary>The device address of an optional tensor, null when it is absent.</summary>
    private static DevicePtr PtrOrNull(Tensor? t) => t is null ? DevicePtr.Null : Ptr(t);

    /// <summary>One block per row of <paramref name="rowLength"/> elements, with just enough warps for a short row.</summary>
    private static LaunchConfig PerRow(int rows, int rowLength) => new(rows, LaunchConfig.WarpMultiple(rowLength, RowBlockSize));
}
