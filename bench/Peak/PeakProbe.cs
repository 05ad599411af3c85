using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClipEngine.Bench.Peak;

/// <summary>
/// Measures the core clock and the fp32 FMA peak. /proc/cpuinfo under this hypervisor only reports the TSC rate,
/// so the clock is derived from dependent chains whose latency in cycles is fixed by the microarchitecture:
/// on Zen 4 a scalar FP add is 3 cycles and an FMA is 4 (AMD Zen 4 optimization guide, Agner Fog's tables).
/// Two chains with different latencies agreeing on the same frequency is the evidence that the assumed latencies hold.
/// </summary>
public static class PeakProbe
{
    public const double AddLatencyCycles = 3;
    public const double FmaLatencyCycles = 4;
    // Zen 4 has two 256-bit FMA pipes; a 512-bit FMA occupies both, so AVX-512 does not raise the flop rate.
    public const int FmaUnitsPerCore = 2;
    public const int Fp32LanesPer256 = 8;

    public readonly record struct Result(double AddChainGHz, double FmaChainGHz, double AllCoreClockGHz, double FmaPerCycle, int Cores)
    {
        public double ClockGHz => (AddChainGHz + FmaChainGHz) / 2;
        public double FlopsPerCyclePerCore => FmaUnitsPerCore * Fp32LanesPer256 * 2;
        public double PeakGflops => Cores * FlopsPerCyclePerCore * AllCoreClockGHz;
        public double SingleCorePeakGflops => FlopsPerCyclePerCore * ClockGHz;
    }

    private const long ChainIterations = 20_000_000;

    public static Result Measure()
    {
        // Warm up the JIT and let the core leave any idle power state before timing.
        AddChain(ChainIterations / 10, 1f);
        FmaChain(ChainIterations / 10, 1f);
        FmaThroughput(ChainIterations / 10, 1f);

        double addGHz = Best(() => ClockFrom(AddChain, AddLatencyCycles));
        double fmaGHz = Best(() => ClockFrom(FmaChain, FmaLatencyCycles));
        double clock = (addGHz + fmaGHz) / 2;

        int cores = Environment.ProcessorCount;
        double allCore = Best(() =>
        {
            var clocks = new double[cores];
            Parallel.For(0, cores, new ParallelOptions { MaxDegreeOfParallelism = cores },
                i => clocks[i] = ClockFrom(FmaChain, FmaLatencyCycles));
            return clocks.Min();
        });

        double fmaPerCycle = Best(() =>
        {
            long start = Stopwatch.GetTimestamp();
            FmaThroughput(ChainIterations, 1f);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            // 12 vector FMAs per iteration.
            return ChainIterations * 12.0 / seconds / (clock * 1e9);
        });

        return new Result(addGHz, fmaGHz, allCore, fmaPerCycle, cores);
    }

    public static int Run(string[] args)
    {
        Result r = Measure();
        Console.WriteLine($"cores                      : {r.Cores}");
        Console.WriteLine($"clock from FP add chain    : {r.AddChainGHz:F3} GHz ({AddLatencyCycles}-cycle latency, 1 core busy)");
        Console.WriteLine($"clock from FMA chain       : {r.FmaChainGHz:F3} GHz ({FmaLatencyCycles}-cycle latency, 1 core busy)");
        Console.WriteLine($"clock, all cores busy      : {r.AllCoreClockGHz:F3} GHz (FMA chain on every core at once)");
        Console.WriteLine($"Vector256 FMAs per cycle   : {r.FmaPerCycle:F2} (measured; Zen 4 nominal {FmaUnitsPerCore})");
        Console.WriteLine($"fp32 flops/cycle/core      : {r.FlopsPerCyclePerCore} = {FmaUnitsPerCore} FMA units x {Fp32LanesPer256} lanes x 2");
        Console.WriteLine($"fp32 peak, 1 core          : {r.SingleCorePeakGflops:F1} GFLOP/s");
        Console.WriteLine($"fp32 peak, {r.Cores} cores         : {r.PeakGflops:F1} GFLOP/s");
        return 0;
    }

    private static double ClockFrom(Func<long, float, float> chain, double latency)
    {
        long start = Stopwatch.GetTimestamp();
        chain(ChainIterations, 1f);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        // 8 dependent operations per iteration.
        return ChainIterations * 8 * latency / seconds / 1e9;
    }

    // Other processes on the machine can only slow a run down, so the fastest of several runs is the honest estimate.
    private static double Best(Func<double> probe)
    {
        double best = 0;
        for (int i = 0; i < 5; i++)
        {
            best = Math.Max(best, probe());
        }
        return best;
    }

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
        Vector256<float> s = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)) + ((x8 + x9) + (x10 + x11));
        return Vector256.Sum(s);
    }
}
