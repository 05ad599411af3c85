namespace ClipEngine.Backends.Cuda;

/// <summary>What the backend needs to know of a device to size launches and name its compile target.</summary>
public sealed record CudaDeviceInfo(
    string Name,
    int ComputeCapabilityMajor,
    int ComputeCapabilityMinor,
    int MultiprocessorCount,
    long TotalMemory,
    int MaxThreadsPerBlock,
    int MaxSharedMemoryPerBlock,
    int MaxSharedMemoryPerBlockOptin,
    int WarpSize,
    string DriverVersion)
{
    /// <summary>The SM clock's peak in kHz (CU_DEVICE_ATTRIBUTE_CLOCK_RATE); 0 when not known.</summary>
    public int ClockRateKHz { get; init; }

    /// <summary>The memory clock's peak in kHz (CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE); 0 when not known.</summary>
    public int MemoryClockRateKHz { get; init; }

    /// <summary>The global memory bus width in bits (CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH); 0 when not known.</summary>
    public int MemoryBusWidthBits { get; init; }

    /// <summary>The L2 cache size in bytes (CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE); 0 when not known.</summary>
    public int L2CacheBytes { get; init; }

    /// <summary>The compile target, e.g. "sm_90".</summary>
    public string Arch => $"sm_{ComputeCapabilityMajor}{ComputeCapabilityMinor}";
}
