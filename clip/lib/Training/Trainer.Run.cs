using System.Diagnostics;
using System.Globalization;
using ClipEngine.IO;

namespace ClipEngine.Clip.Training;

// Whole runs: a new one from options, or the continuation of a run directory from its latest checkpoint.
public sealed partial class Trainer
{
    public const string OptionsFile = "options.json";

    /// <summary>
    /// Trains a new model (built from the options' config and seed, on their device) on <paramref name="source"/>
    /// for the options' steps or epochs, in the run directory <see cref="TrainOptions.OutputDir"/>: options.json,
    /// metrics.jsonl and checkpoints every <see cref="TrainOptions.SaveEverySteps"/> steps and at the end. With an
    /// evaluator, zero-shot accuracy is measured every <see cref="TrainOptions.ZeroshotEverySteps"/> steps and at
    /// the end. <paramref name="progress"/> hears of every step. On cancellation the run stops after the current
    /// step, saves a checkpoint and returns with Completed = false; <see cref="Resume"/> continues it.
    /// Throws <see cref="TrainingDivergedException"/> after too many NaN/Inf steps in a row.
    /// </summary>
    public static TrainResult Run(TrainOptions options, IBatchSource source, IZeroShotEvaluator? evaluator = null,
        IProgress<TrainProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(source);
        options.Validate();
        var runDir = options.OutputDir;
        if (TrainCheckpoint.FindLatest(runDir) is { } existing)
            throw new IOException($"{runDir} already holds a run (its latest checkpoint is {existing}); resume it, or choose another output_dir");
        var config = options.ResolveModelConfig();
        var totalSteps = options.TotalSteps(source.SamplesPerEpoch);
        Directory.CreateDirectory(runDir);
        options.Save(Path.Combine(runDir, OptionsFile));
        using var model = ClipModel.FromConfig(config, options.Seed, Device.Parse(options.Device));
        using var trainer = new Trainer(model, options, totalSteps);
        return trainer.Loop(runDir, source, evaluator, progress, checkpoint: null, cancellationToken);
    }

    /// <summary>
    /// Continues the run in <paramref name="runDir"/> from its latest checkpoint — model, optimizer state, step,
    /// schedule and data position — so that it ends exactly as the run would have without the interruption.
    /// <paramref name="source"/> must be built as the original run's was; it is moved to the saved position.
    /// </summary>
    public static TrainResult Resume(string runDir, IBatchSource source, IZeroShotEvaluator? evaluator = null,
        IProgress<TrainProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var checkpoint = TrainCheckpoint.FindLatest(runDir)
            ?? throw new FileNotFoundException($"{runDir} has no checkpoint to resume from ({Path.Combine(TrainCheckpoint.Directory(runDir), TrainCheckpoint.LatestFile)} is missing)");
        var state = TrainCheckpoint.ReadState(checkpoint);
        var options = state.Options with
        {
            OutputDir = runDir,
            Tokenizer = state.Tokenizer is null ? state.Options.Tokenizer : Path.Combine(checkpoint, state.Tokenizer),
        };
        var modelPath = Path.Combine(checkpoint, TrainCheckpoint.ModelFile);
        ClipConfig config;
        using (var file = SafeTensorsFile.Open(modelPath))
            config = ClipConfig.FromSafeTensorsMetadata(file.Metadata) ?? throw new InvalidDataException($"{modelPath} has no model config in its metadata");
        using var model = ClipModel.FromConfig(config, options.Seed, Device.Parse(options.Device));
        using var trainer = new Trainer(model, options, state.TotalSteps);
        trainer.LoadCheckpoint(checkpoint, state);
        if (state.DataPosition is { } position) source.Restore(position);
        return trainer.Loop(runDir, source, evaluator, progress, checkpoint, cancellationToken);
    }

    private TrainResult Loop(string runDir, IBatchSource source, IZeroShotEvaluator? evaluator, IProgress<TrainProgress>? progress,
        string? checkpoint, CancellationToken cancellationToken)
    {
        using var metrics = new MetricsLog(runDir, keepThroughStep: Step);
        var clock = Stopwatch.StartNew();
        var batches = new List<TrainBatch>(Options.AccumFreq);
        StepResult? last = null;
        ZeroShotResult? lastZeroShot = null;
        while (Step < TotalSteps)
        {
            var start = clock.Elapsed;
            var wait = TimeSpan.Zero;
            int samples;
            try
            {
                for (var j = 0; j < Options.AccumFreq; j++)
                {
                    var before = clock.Elapsed;
                    batches.Add(source.Next());
                    wait += clock.Elapsed - before;
                }
                samples = batches.Sum(b => b.Count);
                last = TrainStep(batches);
            }
            finally
            {
                foreach (var b in batches) b.Dispose();
                batches.Clear();
            }
            var stepTime = clock.Elapsed - start;
            var samplesPerSecond = samples / Math.Max(stepTime.TotalSeconds, 1e-9);
            var dataWaitPercent = 100.0 * wait.Ticks / Math.Max(stepTime.Ticks, 1);
            var finished = Step == TotalSteps;

            ZeroShotResult? zeroShot = null;
            if (evaluator is not null && (finished || (Options.ZeroshotEverySteps is { } every && Step % every == 0)))
                zeroShot = lastZeroShot = evaluator.Evaluate(Model);
            if (finished || last.Skipped || zeroShot is not null || Step % Options.LogEverySteps == 0)
                metrics.Write(last, samplesPerSecond, dataWaitPercent, zeroShot);

            var diverged = ConsecutiveBadSteps >= Options.MaxBadSteps;
            string? saved = null;
            if (!diverged && (finished || (Options.SaveEverySteps is { } n && Step % n == 0)))
                saved = checkpoint = TrainCheckpoint.Save(runDir, this, source.Position);
            progress?.Report(new TrainProgress(last, TotalSteps, samplesPerSecond, dataWaitPercent, source.Stats, clock.Elapsed, zeroShot, saved));
            if (diverged) throw Diverged(checkpoint);
            if (cancellationToken.IsCancellationRequested && !finished)
            {
                checkpoint = saved ?? TrainCheckpoint.Save(runDir, this, source.Position);
                return Result(runDir, checkpoint, metrics.Path, last, lastZeroShot, completed: false);
            }
        }
        // The last step always writes a checkpoint, and a run resumed at its end starts from one.
        return Result(runDir, checkpoint!, metrics.Path, last, lastZeroShot, completed: true);
    }

    private TrainResult Result(string runDir, string checkpoint, string metricsFile, StepResult? last, ZeroShotResult? zeroShot, bool completed) =>
        new(runDir, checkpoint, metricsFile, Step, TotalSteps, last, zeroShot, completed, Precision);

    private TrainingDivergedException Diverged(string? checkpoint)
    {
        var inv = CultureInfo.InvariantCulture;
        var count = ConsecutiveBadSteps;
        var clipping = Options.GradClipNorm is { } clip
            ? string.Create(inv, $"a lower grad_clip_norm than {clip}")
            : "gradient clipping (grad_clip_norm, e.g. 1.0)";
        var stopped = string.Create(inv,
            $"training stopped: the loss or the gradients were NaN or infinite in {count} steps in a row (steps {Step - count + 1} to {Step}); those steps were skipped. ");
        var advice = string.Create(inv,
            $"Try a lower learning rate (lr is {Options.Lr}), {clipping}, more warmup steps (warmup is {Options.Warmup}), or check the data for unreadable images and empty captions. ");
        return new TrainingDivergedException(stopped + advice + (checkpoint is null ? "No checkpoint was written yet." : $"The last checkpoint is {checkpoint}."));
    }
}
