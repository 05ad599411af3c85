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
    /// <summary>The compile target, e.g. "sm_90".</summary>
    public string Arch => $"sm_{ComputeCapabilityMajor}{ComputeCapabilityMinor}";
}
