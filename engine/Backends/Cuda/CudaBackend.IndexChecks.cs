namespace ClipEngine.Backends.Cuda;

// Indices that live on the device are checked by the kernels that use them: each such launch gets a status slot in
// which its threads leave the smallest position holding a bad index (atomicMin; all ones when none). Reading a slot
// at once would wait for the stream at every embedding lookup, so, as CUDA's device-side asserts do, the slots are
// read at the next point where the host waits for the device anyway (a copy to the host, Synchronize), and a bad
// index throws there, naming the op, the index and its position. The launch keeps a view of its indices until then,
// so that the message can name the index even after the caller has let go of them.
public sealed unsafe partial class CudaBackend
{
    /// <summary>Launches whose indices may be unchecked at a time; one more waits for the stream to check them first.</summary>
    internal const int IndexCheckSlots = 256;

    private readonly List<PendingIndexCheck> _pendingIndexChecks = [];
    private CudaBlock? _indexStatus;

    /// <summary>
    /// Queues <paramref name="launch"/> with a status slot for it to report bad index positions in, to be read by
    /// <see cref="CheckIndices"/>. <paramref name="what"/> completes "index i (position p) is out of range …".
    /// </summary>
    private void LaunchCheckingIndices(string op, Tensor indices, string what, Action<DevicePtr> launch)
    {
        lock (_pendingIndexChecks)
        {
            if (_pendingIndexChecks.Count == IndexCheckSlots) CheckIndices();
            if (_indexStatus is not { } status)
            {
                status = Allocator.Allocate(IndexCheckSlots * sizeof(ulong), Stream);
                Driver.MemsetAsync(status.Pointer, 0xFF, IndexCheckSlots * sizeof(ulong), Stream);
                _indexStatus = status;
            }
            var kept = indices.View(indices.Dims);
            TensorScope.Untrack(kept);
            _pendingIndexChecks.Add(new PendingIndexCheck(op, kept, what));
            launch(status.Pointer.Offset((_pendingIndexChecks.Count - 1) * sizeof(ulong)));
        }
    }

    /// <summary>
    /// Waits for the stream, reads the status slots of the launches queued since the last check and throws
    /// <see cref="IndexOutOfRangeException"/> for the first launch that met a bad index. Either way the slots are
    /// reset, so the backend stays usable after the error.
    /// </summary>
    public void CheckIndices()
    {
        lock (_pendingIndexChecks)
        {
            var count = _pendingIndexChecks.Count;
            if (count == 0) return;
            var status = _indexStatus!.Value;
            var positions = new ulong[count];
            fixed (ulong* p = positions) Driver.CopyDeviceToHost(p, status.Pointer, count * sizeof(ulong), Stream);
            Driver.MemsetAsync(status.Pointer, 0xFF, count * sizeof(ulong), Stream);
            PendingIndexCheck[] checks = [.. _pendingIndexChecks];
            _pendingIndexChecks.Clear();
            try
            {
                for (var i = 0; i < count; i++)
                    if (positions[i] != ulong.MaxValue) throw checks[i].Error(this, positions[i]);
            }
            finally
            {
                foreach (var check in checks) check.Indices.Dispose();
            }
        }
    }

    private sealed record PendingIndexCheck(string Op, Tensor Indices, string What)
    {
        public IndexOutOfRangeException Error(CudaBackend backend, ulong position)
        {
            var size = Indices.DType.SizeInBytes();
            long index = 0;
            backend.Driver.CopyDeviceToHost(&index, Ptr(Indices).Offset((long)position * size), size, backend.Stream);
            if (size == sizeof(int)) index = (int)index;
            return new IndexOutOfRangeException($"{Op}: index {index} (position {position}) is out of range {What}");
        }
    }
}
