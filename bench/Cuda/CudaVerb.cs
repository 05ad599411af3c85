using System.Diagnostics;
using System.Globalization;
using ClipEngine.Backends;
using ClipEngine.Backends.Cuda;

namespace ClipEngine.Bench.Cuda;

/// <summary>
/// <c>bench -- cuda [--device-ordinal N] [--quick]</c>: kernel microbenchmarks on one CUDA device against the hardware's
/// ceilings, as a Markdown table (see <see cref="ResultTable"/>). Plain CUDA-event timing, no BenchmarkDotNet, so it
/// runs where only the .NET runtime is. With CLIPENGINE_CUDA_DRIVER=emulated and --quick it runs every benchmark on
/// the CPU emulation in seconds; those times mean nothing. Exits 1 when a benchmark failed.
/// </summary>
public static class CudaVerb
{
    private const string Usage = "usage: cuda [--device-ordinal N] [--quick]";

    public static int Run(string[] args)
    {
        var (ordinal, quick) = (0, false);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--quick")
            {
                quick = true;
            }
            else if (args[i] == "--device-ordinal" && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out ordinal) && ordinal >= 0)
            {
                i++;
            }
            else
            {
                Console.Error.WriteLine($"cuda: bad argument '{args[i]}'; {Usage}");
                return 2;
            }
        }
        CudaBackend backend;
        try
        {
            backend = (CudaBackend)BackendRegistry.For(Device.Cuda(ordinal));
        }
        catch (Exception e) when (e is CudaException or ArgumentException)
        {
            Console.Error.WriteLine($"cuda: {e.Message}\nWithout a GPU, {CudaDrivers.EnvironmentVariable}=emulated with --quick checks that every benchmark runs.");
            return 1;
        }
        if (IsEmulated(backend) && !quick)
        {
            Console.Error.WriteLine($"cuda: the emulated driver would run the full sizes for tens of minutes; add --quick. {Usage}");
            return 2;
        }
        return Run(backend, quick ? CudaBenchOptions.Quick : CudaBenchOptions.Full, Console.Out);
    }

    /// <summary>Runs every benchmark of <see cref="CudaBenchCatalog"/>, writing each row as it completes.</summary>
    public static int Run(CudaBackend backend, CudaBenchOptions options, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        var ceilings = DeviceCeilings.Of(backend.Driver.Device);
        using var runner = new CudaBenchRunner(backend, options);
        WriteHeader(output, backend, ceilings, options, runner.FlushBytes);
        output.WriteLine(ResultTable.Header);
        output.WriteLine(ResultTable.Separator);
        double? copyBandwidth = null;
        var (count, failed) = (0, 0);
        foreach (var bench in CudaBenchCatalog.All(options.Sizes))
        {
            var result = runner.Run(bench);
            // The catalog's first row is the memcpy: the yardstick of every row after it.
            if (count++ == 0 && !result.Failed) copyBandwidth = result.BytesPerSecond;
            if (result.Failed) failed++;
            output.WriteLine(ResultTable.Row(result, ceilings, copyBandwidth));
            output.Flush();
        }
        output.WriteLine();
        output.WriteLine($"{count} benchmarks, {failed} failed, {clock.Elapsed.TotalSeconds:F1} s");
        return failed == 0 ? 0 : 1;
    }

    private static bool IsEmulated(CudaBackend backend) => backend.Driver.Kind != "cuda";

    private static void WriteHeader(TextWriter output, CudaBackend backend, DeviceCeilings ceilings, CudaBenchOptions options, long flushBytes)
    {
        var d = backend.Driver.Device;
        output.WriteLine($"# CUDA microbenchmarks{(options == CudaBenchOptions.Quick ? " (--quick sizes)" : "")}");
        output.WriteLine();
        output.WriteLine($"device {backend.Device}: {d.Name}, {d.Arch}, {d.MultiprocessorCount} SMs, SM clock {d.ClockRateKHz / 1000} MHz, " +
                         $"memory clock {d.MemoryClockRateKHz / 1000} MHz, {d.MemoryBusWidthBits}-bit bus, L2 {d.L2CacheBytes >> 20} MiB, " +
                         $"{d.TotalMemory >> 30} GiB; driver: {(IsEmulated(backend) ? d.DriverVersion : $"CUDA {d.DriverVersion}")}");
        if (IsEmulated(backend))
        {
            output.WriteLine();
            output.WriteLine("**EMULATED DRIVER: the kernels ran on the CPU and its device attributes are made up; every number below is " +
                             "meaningless as GPU performance. This run only shows that every benchmark works.**");
        }
        output.WriteLine();
        output.WriteLine("Ceilings:");
        output.WriteLine(ceilings.MemoryBandwidth is { } bandwidth
            ? $"- memory: {bandwidth / 1e9:F0} GB/s = 2 (double data rate) x {d.MemoryClockRateKHz / 1000} MHz x {d.MemoryBusWidthBits} bit / 8"
            : "- memory: unknown (the device reports no memory clock or bus width)");
        output.WriteLine(ceilings.Fp32 is { } fp32
            ? $"- FP32: {fp32 / 1e12:F1} TFLOP/s = {d.MultiprocessorCount} SMs x {d.ClockRateKHz / 1000} MHz x {ceilings.Fp32LanesPerSm} FP32 lanes/SM ({d.Arch}) x 2 (FMA), at the peak clock the device reports"
            : "- FP32: unknown (the device reports no clock)");
        output.WriteLine(ceilings.TensorCores is { } tc
            ? $"- tensor cores, dense: TF32 {tc.Tf32 / 1e12:F0}, BF16 {tc.Bf16 / 1e12:F0} TFLOP/s, {tc.Part}: NVIDIA's datasheet, at its clock; a part that runs at another clock has another peak"
            : $"- tensor cores: no datasheet entry for {d.Arch} with {d.MultiprocessorCount} SMs; TF32 and BF16 rows show no ceiling");
        output.WriteLine("- memcpy: the device-to-device copy's measured GB/s, the practical bandwidth ceiling (first row; \"% of memcpy\")");
        output.WriteLine();
        var reps = options.MinReps == options.MaxReps
            ? $"{options.MinReps} launches"
            : $"as many launches as fill {options.TargetSeconds} s ({options.MinReps} to {options.MaxReps})";
        output.WriteLine($"Timing: CUDA events on the backend's stream. Per benchmark, warm-ups: {options.Warmup}; then the median of " +
                         $"{reps}, each after a {flushBytes >> 20} MiB memset that evicts L2, outside the timed region. GB/s and TFLOP/s are " +
                         "the op's least traffic and flops (formulas in bench/Cuda/*Cases.cs) over the median; \"% of ceiling\" is the " +
                         "roofline's least time (the larger of bytes / memory peak and flops / unit peak) over the median.");
        var s = options.Sizes;
        output.WriteLine($"Sizes: batch {s.Batch} (image {CudaBenchSizes.ImageTokens}x{CudaBenchSizes.ImageWidth}, {CudaBenchSizes.ImageHeads} heads; " +
                         $"text {CudaBenchSizes.TextTokens}x{CudaBenchSizes.TextWidth}, {CudaBenchSizes.TextHeads} heads; head size {CudaBenchSizes.HeadSize}), " +
                         $"contrastive N {s.ContrastiveBatch}, AdamW {s.AdamWParameters} parameters, streams of {s.StreamElements} floats.");
        if (IsEmulated(backend))
            output.WriteLine("The tf32 gemm rows ran as plain FP32: the emulated driver has no TF32 mode.");
        output.WriteLine();
    }
}
