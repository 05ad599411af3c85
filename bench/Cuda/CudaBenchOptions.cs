namespace ClipEngine.Bench.Cuda;

/// <summary>
/// How much to run: the sizes, the warm-up launches (the first compiles the kernel file), and the timed repetitions,
/// as many as fill <see cref="TargetSeconds"/> of device time, kept within [<see cref="MinReps"/>, <see cref="MaxReps"/>].
/// <see cref="FlushBytes"/> of memset before each timed launch evicts its inputs from L2 (0: the device's L2 twice over).
/// </summary>
public sealed record CudaBenchOptions(CudaBenchSizes Sizes, int Warmup, int MinReps, int MaxReps, double TargetSeconds, long FlushBytes)
{
    /// <summary>
    /// About 0.25 s of timed work per benchmark: with ~42 benchmarks, the warm-ups, the L2 flushes and the setup, the
    /// whole verb stays well under 90 s on an H200 once its kernels are compiled (NVRTC adds seconds per kernel file
    /// on a cold kernel cache).
    /// </summary>
    public static readonly CudaBenchOptions Full = new(CudaBenchSizes.Full, Warmup: 3, MinReps: 10, MaxReps: 100, TargetSeconds: 0.25, FlushBytes: 0);

    /// <summary>Small shapes and 3 repetitions, for the emulated driver: checks that every benchmark runs, measures nothing.</summary>
    public static readonly CudaBenchOptions Quick = new(CudaBenchSizes.Quick, Warmup: 1, MinReps: 3, MaxReps: 3, TargetSeconds: 0, FlushBytes: 1 << 20);

    /// <summary>The repetitions to time, given one launch's time.</summary>
    public int RepsFor(double launchSeconds) =>
        launchSeconds > 0 ? (int)Math.Clamp(Math.Ceiling(TargetSeconds / launchSeconds), MinReps, MaxReps) : MaxReps;
}
