using System.Diagnostics;
using System.Globalization;
using ClipEngine.Backends;
using ClipEngine.Backends.Cpu;
using ClipEngine.Backends.Cuda;
using ClipEngine.Clip;
using ClipEngine.Optim;

namespace ClipEngine.Bench.TrainStep;

/// <summary>
/// The `train-step` verb: one CLIP training step (forward, contrastive loss, backward, global-norm clipping, AdamW) of
/// a small model on random images and tokens, on the Cpu backend or (--device cuda) a GPU, in fp32 or (--precision
/// bf16) under BF16 autocast. Prints the best and median ms/step of the timed steps, samples/s, how much of the cores
/// the process got, on a GPU the peak device memory of a step, then on the Cpu the same steps again under
/// <see cref="CpuProfiler"/> with each backend op's share of the step; "outside the backend" is autograd, allocation
/// bookkeeping and the like.
/// </summary>
public static class TrainStepBench
{
    private const string Usage = "usage: train-step [--batch 128] [--steps 10] [--warmup 2] [--patch 4] [--text-len 32] [--gelu exact|quick] [--device cpu|cuda] [--precision fp32|bf16] [--no-profile]";

    public static int Run(string[] args)
    {
        if (!TryParse(args, out var options))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        var config = Config(options);
        var device = options.Device;
        var cuda = device.Type == DeviceType.Cuda ? (CudaBackend)BackendRegistry.For(device) : null;
        using var model = ClipModel.FromConfig(config, seed: 1, device);
        using var optimizer = new AdamW(ParamGroup.SplitWeightDecay(model.NamedParameters(), 0.1), lr: 5e-4);
        var generator = new Generator(2);
        using var images = Tensor.Randn([options.Batch, 3, config.Vision.ImageSize, config.Vision.ImageSize], generator).To(device);
        using var tokens = Tokens(options, config.Text, new Random(3)).To(device);
        using var autocast = Autocast.Enable(options.Precision);

        Console.WriteLine($"config    : embed {config.EmbedDim}; vision {config.Vision.ImageSize}px patch {config.Vision.PatchSize} "
            + $"({config.Vision.GridSize * config.Vision.GridSize + 1} tokens), width {config.Vision.Width}, {config.Vision.Layers} layers, "
            + $"{config.Vision.Heads} heads; text {options.TextLength} of {config.Text.ContextLength} tokens, width {config.Text.Width}, "
            + $"{config.Text.Layers} layers, {config.Text.Heads} heads, vocab {config.Text.VocabSize}; {(config.QuickGelu ? "QuickGELU" : "exact GELU")}");
        Console.WriteLine($"model     : {model.ParameterCount():N0} parameters; batch {options.Batch}; {Environment.ProcessorCount} cores; "
            + $"{device}{(cuda is null ? "" : $" ({cuda.Driver.Device.Name})")}; {(Autocast.ComputeType(BackendRegistry.For(device)) == DType.BF16 ? "bf16 autocast" : "fp32")}");
        Console.WriteLine($"load      : {LoadAverage()} (1/5/15-min load average at start)");

        for (var i = 0; i < options.Warmup; i++) Step(model, optimizer, images, tokens);
        var resident = cuda?.Allocator.Stats.AllocatedBytes ?? 0;
        cuda?.Allocator.ResetPeak();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var (gen0, gen2, pause) = (GC.CollectionCount(0), GC.CollectionCount(2), GC.GetTotalPauseDuration());
        var wall = Stopwatch.StartNew();
        var times = new List<StepTimes>();
        for (var i = 0; i < options.Steps; i++) times.Add(Step(model, optimizer, images, tokens));
        var cores = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds / wall.Elapsed.TotalSeconds;
        var gc = $"{(GC.CollectionCount(0) - gen0) / (double)options.Steps:F1} GCs/step ({(GC.CollectionCount(2) - gen2) / (double)options.Steps:F1} gen2), "
            + $"{(GC.GetTotalPauseDuration() - pause).TotalMilliseconds / options.Steps:F1} ms/step paused";

        var totals = times.Select(t => t.Total).Order().ToArray();
        var best = times.MinBy(t => t.Total);
        var median = totals[totals.Length / 2];
        Console.WriteLine($"step      : best {best.Total:F1} ms, median {median:F1} ms over {options.Steps} steps "
            + $"(best: forward {best.Forward:F1}, backward {best.Backward:F1}, clip + AdamW {best.Optimizer:F1})");
        Console.WriteLine($"cpu time  : best {times.Min(t => t.Cpu):F0} ms/step, median {times.Select(t => t.Cpu).Order().ElementAt(times.Count / 2):F0} "
            + $"(all threads; the process used {cores:F2} cores on average)");
        Console.WriteLine($"throughput: {options.Batch * 1000 / best.Total:F1} samples/s best, {options.Batch * 1000 / median:F1} median; loss {best.Loss:F4}");
        Console.WriteLine($"gc        : {gc}");
        if (cuda is not null)
            Console.WriteLine($"memory    : peak {cuda.Allocator.Stats.PeakAllocatedBytes / 1048576.0:F1} MiB allocated on the device, "
                + $"{(cuda.Allocator.Stats.PeakAllocatedBytes - resident) / 1048576.0:F1} MiB above the resident weights and optimizer state");
        Console.WriteLine($"load      : {LoadAverage()} (at end)");

        if (options.Profile && cuda is null) Profile(model, optimizer, images, tokens, options.Steps);
        return 0;
    }

    /// <summary>Wall milliseconds of the phases, and the CPU milliseconds of the whole process over the step.</summary>
    private readonly record struct StepTimes(double Forward, double Backward, double Optimizer, double Cpu, float Loss)
    {
        public double Total => Forward + Backward + Optimizer;
    }

    private sealed record Options(int Batch, int Steps, int Warmup, int Patch, int TextLength, bool QuickGelu, bool Profile, Device Device, DType Precision);

    private static StepTimes Step(ClipModel model, AdamW optimizer, Tensor images, Tensor tokens)
    {
        using var scope = TensorScope.Begin();
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        optimizer.ZeroGrad();
        var loss = model.Loss(images, tokens);
        var forward = clock.Elapsed.TotalMilliseconds;
        loss.Backward();
        var backward = clock.Elapsed.TotalMilliseconds;
        var clip = GradClip.ClipGradNorm(model.Parameters(), maxNorm: 1f);
        optimizer.Step(clip.Scale);
        // Reading the loss waits for the device, so on a GPU the step's time includes all of its queued work.
        var lossValue = loss.Item();
        var end = clock.Elapsed.TotalMilliseconds;
        process.Refresh();
        return new StepTimes(forward, backward - forward, end - backward, (process.TotalProcessorTime - cpu).TotalMilliseconds, lossValue);
    }

    private static void Profile(ClipModel model, AdamW optimizer, Tensor images, Tensor tokens, int steps)
    {
        CpuProfiler.Reset();
        CpuProfiler.Enabled = true;
        var total = 0.0;
        for (var i = 0; i < steps; i++) total += Step(model, optimizer, images, tokens).Total;
        CpuProfiler.Enabled = false;
        var ops = CpuProfiler.Snapshot();
        Console.WriteLine();
        Console.WriteLine($"per-op breakdown, mean of {steps} profiled steps ({total / steps:F1} ms/step):");
        Console.WriteLine($"  {"op",-28} {"calls/step",10} {"ms/step",9} {"share",7}");
        foreach (var (op, calls, ms) in ops)
            Console.WriteLine($"  {op,-28} {calls / (double)steps,10:F0} {ms / steps,9:F2} {ms / total,7:P1}");
        var outside = total - ops.Sum(o => o.Milliseconds);
        Console.WriteLine($"  {"(outside the backend)",-28} {"",10} {outside / steps,9:F2} {outside / total,7:P1}");
    }

    private static ClipConfig Config(Options options) => new()
    {
        EmbedDim = 128,
        QuickGelu = options.QuickGelu,
        Vision = new VisionConfig { ImageSize = 32, PatchSize = options.Patch, Width = 192, Layers = 4, HeadWidth = 64 },
        Text = new TextConfig { ContextLength = 32, VocabSize = 1024, Width = 128, Heads = 2, Layers = 4 },
    };

    /// <summary>Random ids below the end-of-text id, each text ended by EOT at a random position and padded with zeros.</summary>
    private static Tensor Tokens(Options options, TextConfig text, Random random)
    {
        var ids = new long[options.Batch * options.TextLength];
        for (var b = 0; b < options.Batch; b++)
        {
            var end = random.Next(1, options.TextLength);
            for (var i = 0; i < end; i++) ids[b * options.TextLength + i] = random.Next(text.EotTokenId);
            ids[b * options.TextLength + end] = text.EotTokenId;
        }
        return Tensor.FromArray(ids, options.Batch, options.TextLength);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "unknown";

    private static bool TryParse(string[] args, out Options options)
    {
        options = new Options(Batch: 128, Steps: 10, Warmup: 2, Patch: 4, TextLength: 32, QuickGelu: false, Profile: true, Device.Cpu, DType.F32);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--no-profile": options = options with { Profile = false }; continue;
                case "--gelu" when value is "exact" or "quick": options = options with { QuickGelu = value == "quick" }; break;
                case "--device" when value is "cpu" or "cuda": options = options with { Device = value == "cpu" ? Device.Cpu : Device.Cuda(0) }; break;
                case "--precision" when value is "fp32" or "bf16": options = options with { Precision = value == "bf16" ? DType.BF16 : DType.F32 }; break;
                case "--batch" when Positive(value, out var n): options = options with { Batch = n }; break;
                case "--steps" when Positive(value, out var n): options = options with { Steps = n }; break;
                case "--warmup" when int.TryParse(value, CultureInfo.InvariantCulture, out var n) && n >= 0: options = options with { Warmup = n }; break;
                case "--patch" when Positive(value, out var n) && 32 % n == 0: options = options with { Patch = n }; break;
                case "--text-len" when Positive(value, out var n) && n is >= 2 and <= 32: options = options with { TextLength = n }; break;
                default: return false;
            }
            i++;
        }
        return true;
    }

    private static bool Positive(string? value, out int n) => int.TryParse(value, CultureInfo.InvariantCulture, out n) && n > 0;
}
