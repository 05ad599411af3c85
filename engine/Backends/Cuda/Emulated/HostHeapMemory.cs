using System.Runtime.InteropServices;

namespace ClipEngine.Backends.Cuda.Emulated;

/// <summary>Device memory from the process heap, for kernels run inside this process.</summary>
internal sealed unsafe class HostHeapMemory(long total) : DeviceMemory(total)
{
    public override void Dispose()
    {
        foreach (var (address, _) in Allocations()) Release(new DevicePtr(address));
    }

    protected override ulong Reserve(long bytes) => (ulong)NativeMemory.AlignedAlloc((nuint)bytes, Alignment);

    protected override void Unreserve(ulong address, long bytes) => NativeMemory.AlignedFree((void*)address);
}
