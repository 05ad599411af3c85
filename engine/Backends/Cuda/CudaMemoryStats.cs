namespace ClipEngine.Backends.Cuda;

/// <summary>A snapshot of a <see cref="CudaCachingAllocator"/>'s counters, in bytes where not stated.</summary>
/// <param name="AllocatedBytes">Held by live blocks (rounded sizes).</param>
/// <param name="ReservedBytes">Held from the driver: allocated plus cached.</param>
/// <param name="PeakAllocatedBytes">The highest <paramref name="AllocatedBytes"/> since creation or the last <see cref="CudaCachingAllocator.ResetPeak"/>.</param>
/// <param name="DriverAllocations">How many times the driver was asked for memory.</param>
/// <param name="DriverFrees">How many blocks went back to the driver.</param>
public readonly record struct CudaMemoryStats(
    long AllocatedBytes,
    long ReservedBytes,
    long PeakAllocatedBytes,
    long DriverAllocations,
    long DriverFrees)
{
    public long CachedBytes => ReservedBytes - AllocatedBytes;
}
