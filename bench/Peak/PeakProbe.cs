using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClipEngine.Bench.Peak;

/// <summary>
/// Measures the core clock and the fp32 FMA peak. /proc/cpuinfo under this hypervisor only reports the TSC rate, so
/// the clock is derived from dependent chains whose latency in cycles is fixed by the microarchitecture: on Zen 4 a
/// scalar FP add takes 3 cycles and an FMA 4 (AMD's Zen 4 optimization guide, Agner Fog's instruction tables). Two
/// chains of different latency agreeing on one frequency is the evidence that the assumed latencies hold. Time is the
/// thread's CPU time, so that other processes sharing the cores lengthen nothing that is measured.
/// </summary>
public static partial class PeakProbe
{
    public const double AddLatencyCycles = 3;
    public const double FmaLatencyCycles = 4;
    // Zen 4 has two 256-bit FMA pipes; a 512-bit FMA occupies both, so AVX-512 does not raise the flop rate.
    public const int FmaUnitsPerCore = 2;
    public const int Fp32LanesPer256 = 8;
    public const int FlopsPerCyclePerCore = FmaUnitsPerCore * Fp32LanesPer256 * 2;

    // Dependent operations per chain iteration, and independent FMAs per throughput iteration.
    private const int ChainLength = 8;
    private const int ThroughputWidth = 12;
    private const long Iterations = 20_000_000;

    /// <param name="AddChainGHz">Clock from the FP add chain, one core busy.</param>
    /// <param name="FmaChainGHz">Clock from the FMA chain, one core busy.</param>
    /// <param name="AllCoreGHz">Clock from the FMA chain run on every core at once (mean over cores).</param>
    /// <param name="FmaPerCycle">Independent Vector256 FMAs retired per cycle, to check the FMA unit count.</param>
    public readonly record struct Result(double AddChainGHz, double FmaChainGHz, double AllCoreGHz, double FmaPerCycle, int Cores)
    {
        public double ClockGHz => (AddChainGHz + FmaChainGHz) / 2;
        public double SingleCorePeakGflops => FlopsPerCyclePerCore * ClockGHz;
        public double PeakGflops => Cores * FlopsPerCyclePerCore * AllCoreGHz;
    }

    public static Result Measure()
    {
        // Warm up the JIT and let the core leave any idle power state before timing.
        AddChain(Iterations / 10, 1f);
        FmaChain(Iterations / 10, 1f);
        FmaThroughput(Iterations / 10, 1f);

        double addGHz = Best(() => Iterations * ChainLength * AddLatencyCycles / CpuSeconds(AddChain) / 1e9);
        double fmaGHz = Best(() => Iterations * ChainLength * FmaLatencyCycles / CpuSeconds(FmaChain) / 1e9);
        int cores = Environment.ProcessorCount;
        double allCoreGHz = Best(() =>
        {
            var seconds = new double[cores];
            Parallel.For(0, cores, new ParallelOptions { MaxDegreeOfParallelism = cores }, i => seconds[i] = CpuSeconds(FmaChain));
            return seconds.Average(s => Iterations * ChainLength * FmaLatencyCycles / s / 1e9);
        });
        double fmaPerCycle = Best(() => Iterations * ThroughputWidth / CpuSeconds(FmaThroughput) / (fmaGHz * 1e9));
        return new Result(addGHz, fmaGHz, allCoreGHz, fmaPerCycle, cores);
    }

    public static int Run(string[] args)
    {
        Result r = Measure();
        Console.WriteLine($"cores                    : {r.Cores}");
        Console.WriteLine($"clock from FP add chain  : {r.AddChainGHz:F3} GHz ({AddLatencyCycles}-cycle latency, one core busy)");
        Console.WriteLine($"clock from FMA chain     : {r.FmaChainGHz:F3} GHz ({FmaLatencyCycles}-cycle latency, one core busy)");
        Console.WriteLine($"clock, all cores busy    : {r.AllCoreGHz:F3} GHz (FMA chain on every core at once)");
        Console.WriteLine($"Vector256 FMAs per cycle : {r.FmaPerCycle:F2} (Zen 4 has {FmaUnitsPerCore} FMA pipes)");
        Console.WriteLine($"fp32 flops/cycle/core    : {FlopsPerCyclePerCore} = {FmaUnitsPerCore} FMA x {Fp32LanesPer256} lanes x 2");
        Console.WriteLine($"fp32 peak, 1 core        : {r.SingleCorePeakGflops:F1} GFLOP/s (one-core clock)");
        Console.WriteLine($"fp32 peak, {r.Cores} cores       : {r.PeakGflops:F1} GFLOP/s (all-core clock)");
        return 0;
    }

    // Other processes can only slow a run down, so the fastest of several is the honest estimate.
    private static double Best(Func<double> probe)
    {
        double best = 0;
        for (int i = 0; i < 5; i++)
        {
            best = Math.Max(best, probe());
        }
        return best;
    }

    private static double CpuSeconds(Func<long, float, float> loop)
    {
        double start = ThreadCpuSeconds();
        loop(Iterations, 1f);
        return ThreadCpuSeconds() - start;
    }

    private static double ThreadCpuSeconds()
    {
        if (!OperatingSystem.IsLinux())
        {
            // Wall time elsewhere: right on an idle machine, pessimistic on a busy one.
            return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
        }
        const int ClockThreadCpuTimeId = 3;
        if (ClockGetTime(ClockThreadCpuTimeId, out TimeSpec t) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        }
        return t.Seconds + t.Nanoseconds * 1e-9;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out TimeSpec time);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float AddChain(long iterations, float y)
    {
        float x = 0;
        for (long i = 0; i < iterations; i++)
        {
            x += y; x += y; x += y; x += y;
            x += y; x += y; x += y; x += y;
        }
        return x;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float FmaChain(long iterations, float y)
    {
        Vector128<float> x = Vector128<float>.Zero;
        Vector128<float> m = Vector128.Create(y * 0.5f);
        Vector128<float> a = Vector128.Create(y);
        for (long i = 0; i < iterations; i++)
        {
            x = Fma.MultiplyAddScalar(x, m, a); x = Fma.MultiplyAddScalar(x, m, a);
            x = Fma.MultiplyAddScalar(x, m, a); x = Fma.MultiplyAddScalar(x, m, a);
            x = Fma.MultiplyAddScalar(x, m, a); x = Fma.MultiplyAddScalar(x, m, a);
            x = Fma.MultiplyAddScalar(x, m, a); x = Fma.MultiplyAddScalar(x, m, a);
        }
        return x.ToScalar();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float FmaThroughput(long iterations, float y)
    {
        Vector256<float> m = Vector256.Create(y * 0.5f);
        Vector256<float> a = Vector256.Create(y);
        Vector256<float> x0 = a, x1 = a, x2 = a, x3 = a, x4 = a, x5 = a;
        Vector256<float> x6 = a, x7 = a, x8 = a, x9 = a, x10 = a, x11 = a;
        for (long i = 0; i < iterations; i++)
        {
            x0 = Fma.MultiplyAdd(x0, m, a); x1 = Fma.MultiplyAdd(x1, m, a);
            x2 = Fma.MultiplyAdd(x2, m, a); x3 = Fma.MultiplyAdd(x3, m, a);
            x4 = Fma.MultiplyAdd(x4, m, a); x5 = Fma.MultiplyAdd(x5, m, a);
            x6 = Fma.MultiplyAdd(x6, m, a); x7 = Fma.MultiplyAdd(x7, m, a);
            x8 = Fma.MultiplyAdd(x8, m, a); x9 = Fma.MultiplyAdd(x9, m, a);
            x10 = Fma.MultiplyAdd(x10, m, a); x11 = Fma.MultiplyAdd(x11, m, a);
        }
        return Vector256.Sum(((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)) + ((x8 + x9) + (x10 + x11)));
    }
}
