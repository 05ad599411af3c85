using ClipEngine.Backends.Cuda;

namespace ClipEngine.Bench.Cuda;

/// <summary>
/// What the hardware allows, from the device's own attributes: the memory bandwidth peak, the FP32 CUDA-core peak
/// and, where a datasheet is listed, the tensor-core peaks. Each is null when the device does not report enough.
/// </summary>
public sealed record DeviceCeilings(double? MemoryBandwidth, double? Fp32, int Fp32LanesPerSm, TensorCorePeak? TensorCores)
{
    public static DeviceCeilings Of(CudaDeviceInfo device)
    {
        var lanes = Fp32Lanes(device.ComputeCapabilityMajor, device.ComputeCapabilityMinor);
        // Double data rate: two transfers per memory clock over the whole bus.
        double? bandwidth = device.MemoryClockRateKHz > 0 && device.MemoryBusWidthBits > 0
            ? 2.0 * device.MemoryClockRateKHz * 1e3 * device.MemoryBusWidthBits / 8
            : null;
        // One FMA (2 flops) per FP32 lane per clock.
        double? fp32 = device.ClockRateKHz > 0
            ? (double)device.MultiprocessorCount * device.ClockRateKHz * 1e3 * lanes * 2
            : null;
        return new DeviceCeilings(bandwidth, fp32, lanes,
            TensorCorePeak.For(device.ComputeCapabilityMajor, device.ComputeCapabilityMinor, device.MultiprocessorCount));
    }

    /// <summary>
    /// FP32 lanes per SM: 64 on Volta, Turing and sm_80 (A100); 128 on sm_86/87/89 (Ampere consumer, Orin, Ada),
    /// sm_90 (Hopper) and Blackwell. From NVIDIA's architecture whitepapers.
    /// </summary>
    public static int Fp32Lanes(int major, int minor) => (major, minor) switch
    {
        (8, 0) => 64,
        (8, _) => 128,
        (>= 9, _) => 128,
        _ => 64,
    };

    /// <summary>The peak of <paramref name="unit"/> in flop/s, or null when not known.</summary>
    public double? Peak(ComputeUnit unit) => unit switch
    {
        ComputeUnit.Fp32 => Fp32,
        ComputeUnit.Tf32 => TensorCores?.Tf32,
        ComputeUnit.Bf16 => TensorCores?.Bf16,
        _ => null,
    };
}
