using System.Text.Json;
using ClipEngine.Clip.Training;
using ClipEngine.IO;
using Xunit.Abstractions;

namespace ClipEngine.Clip.Tests.Training;

public sealed class TrainRunTests(ITestOutputHelper output) : IDisposable
{
    private const int Samples = 24;

    private readonly Tensor _images = TrainingData.Images(Samples, seed: 21);
    private readonly Tensor _tokens = TrainingData.Tokens(Samples, seed: 22);
    private readonly TrainingData.TempDir _dir = new();

    public void Dispose()
    {
        _images.Dispose();
        _tokens.Dispose();
        _dir.Dispose();
    }

    private InMemoryBatchSource Source() => new(_images, _tokens, batchSize: 4, shuffle: true, seed: 9);

    private string RunDir(string name) => Path.Combine(_dir.Path, name);

    /// <summary>Reports synchronously (Progress&lt;T&gt; would post to the thread pool) and can cancel the run at a given step.</summary>
    private sealed class StepWatcher(long cancelAtStep = long.MaxValue) : IProgress<TrainProgress>
    {
        public CancellationTokenSource Cancel { get; } = new();

        public List<TrainProgress> Reports { get; } = [];

        public void Report(TrainProgress value)
        {
            Reports.Add(value);
            if (value.Result.Step == cancelAtStep) Cancel.Cancel();
        }
    }

    /// <summary>Counts its calls and reports the step's logit scale as its "accuracy", so a test can tell when it ran.</summary>
    private sealed class CountingEvaluator : IZeroShotEvaluator
    {
        public List<float> Calls { get; } = [];

        public string Name => "counting";

        public ZeroShotResult Evaluate(ClipModel model)
        {
            Calls.Add(model.LogitScale.Item());
            return new ZeroShotResult(Name, 0.25, 0.75, 8, 4);
        }
    }

    private static List<JsonElement> Metrics(string runDir) =>
        [.. File.ReadLines(Path.Combine(runDir, "metrics.jsonl")).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    private static Dictionary<string, float[]> Tensors(string path)
    {
        var tensors = SafeTensors.Load(path);
        try
        {
            return tensors.ToDictionary(p => p.Key, p => p.Value.DType == DType.I64 ? [p.Value.ToArray<long>()[0]] : p.Value.ToArray());
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private static void AssertSameTensors(string expectedPath, string actualPath)
    {
        var expected = Tensors(expectedPath);
        var actual = Tensors(actualPath);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, values) in expected)
            Assert.True(values.AsSpan().SequenceEqual(actual[name]), $"{Path.GetFileName(actualPath)}: {name} differs");
    }

    [Fact]
    public void ResumingHalfwayEndsBitIdenticalToAnUninterruptedRun()
    {
        var tokenizer = Path.Combine(_dir.Path, "vocab.txt");
        File.WriteAllText(tokenizer, "a tokenizer file\n");
        var options = TrainingData.Options("") with { Steps = 8, SaveEverySteps = 4, GradClipNorm = 1.0, AccumFreq = 2, BatchSize = 2, Tokenizer = tokenizer };
        var whole = Trainer.Run(options with { OutputDir = RunDir("whole") }, Source());
        Assert.True(whole.Completed);
        Assert.Equal(8, whole.Steps);

        var watcher = new StepWatcher(cancelAtStep: 3);
        var first = Trainer.Run(options with { OutputDir = RunDir("split") }, Source(), progress: watcher, cancellationToken: watcher.Cancel.Token);
        Assert.False(first.Completed);
        Assert.Equal(3, first.Steps);
        Assert.Equal(first.Checkpoint, TrainCheckpoint.FindLatest(RunDir("split")));
        // The run carries its tokenizer: resuming works without the original file.
        File.Delete(tokenizer);
        var second = Trainer.Resume(RunDir("split"), Source());
        Assert.True(second.Completed);
        Assert.Equal(8, second.Steps);

        AssertSameTensors(Path.Combine(whole.Checkpoint, TrainCheckpoint.ModelFile), Path.Combine(second.Checkpoint, TrainCheckpoint.ModelFile));
        AssertSameTensors(Path.Combine(whole.Checkpoint, TrainCheckpoint.OptimizerFile), Path.Combine(second.Checkpoint, TrainCheckpoint.OptimizerFile));
        Assert.Equal("a tokenizer file\n", File.ReadAllText(Path.Combine(second.Checkpoint, "tokenizer.txt")));
        Assert.Equal("tokenizer.txt", TrainCheckpoint.ReadState(second.Checkpoint).Tokenizer);
        var wholeMetrics = Metrics(RunDir("whole"));
        var splitMetrics = Metrics(RunDir("split"));
        Assert.Equal(Enumerable.Range(1, 8), splitMetrics.Select(m => m.GetProperty("step").GetInt32()));
        Assert.Equal(wholeMetrics.Select(m => m.GetProperty("loss").GetSingle()), splitMetrics.Select(m => m.GetProperty("loss").GetSingle()));
        Assert.Equal(wholeMetrics.Select(m => m.GetProperty("lr").GetDouble()), splitMetrics.Select(m => m.GetProperty("lr").GetDouble()));
    }

    [Fact]
    public void ARunWritesOptionsMetricsAndLoadableCheckpoints()
    {
        var evaluator = new CountingEvaluator();
        var watcher = new StepWatcher();
        var options = TrainingData.Options(RunDir("run")) with { SaveEverySteps = 4, ZeroshotEverySteps = 4 };
        var result = Trainer.Run(options, Source(), evaluator, watcher);

        Assert.Equal(options, TrainOptions.Load(Path.Combine(RunDir("run"), Trainer.OptionsFile)));
        Assert.Equal(2, evaluator.Calls.Count);
        Assert.Equal(0.25, result.ZeroShot!.Top1);
        Assert.Equal("fp32", result.Precision);
        Assert.Equal(Enumerable.Range(1, 6), watcher.Reports.Select(r => (int)r.Result.Step));
        Assert.Equal([4, 6], watcher.Reports.Where(r => r.Checkpoint is not null).Select(r => (int)r.Result.Step));

        var metrics = Metrics(RunDir("run"));
        Assert.Equal(6, metrics.Count);
        foreach (var name in new[] { "loss", "lr", "logit_scale", "grad_norm", "samples_per_s", "data_wait_pct" })
            Assert.All(metrics, m => Assert.True(double.IsFinite(m.GetProperty(name).GetDouble()), name));
        Assert.All(metrics, m => Assert.False(m.GetProperty("skipped").GetBoolean()));
        Assert.Equal([4, 6], metrics.Where(m => m.TryGetProperty("zeroshot_top1", out _)).Select(m => m.GetProperty("step").GetInt32()));
        Assert.Equal(watcher.Reports[^1].Result.Loss, metrics[^1].GetProperty("loss").GetSingle());

        var modelPath = Path.Combine(result.Checkpoint, TrainCheckpoint.ModelFile);
        ClipConfig config;
        using (var file = SafeTensorsFile.Open(modelPath)) config = ClipConfig.FromSafeTensorsMetadata(file.Metadata)!;
        Assert.Equal(TrainingData.Config, config);
        var weights = SafeTensors.Load(modelPath);
        using var loaded = ClipModel.FromStateDict(weights, config);
        foreach (var t in weights.Values) t.Dispose();
        Assert.Equal(watcher.Reports[^1].Result.LogitScale, loaded.LogitScale.Item());

        var error = Assert.Throws<IOException>(() => Trainer.Run(options, Source()));
        Assert.Contains("resume", error.Message);
    }

    [Fact]
    public void TrainingOnOneRepeatedBatchDrivesItsLossDown()
    {
        using var images = Ops.Slice(_images, 0, 0, 8);
        using var tokens = Ops.Slice(_tokens, 0, 0, 8);
        var options = TrainingData.Options(RunDir("fit")) with { BatchSize = 8, Steps = 40, Lr = 3e-3, Warmup = 3 };
        var result = Trainer.Run(options, new InMemoryBatchSource(images, tokens, batchSize: 8));
        var losses = Metrics(RunDir("fit")).Select(m => m.GetProperty("loss").GetDouble()).ToList();
        // Chance level for 8 pairs is ln 8 ≈ 2.08 (a random model at temperature 1/0.07 starts somewhat above it);
        // memorising the pairs takes the loss far below it.
        Assert.InRange(losses[0], 1.5, 4.0);
        output.WriteLine($"loss {losses[0]:F4} → {result.Last!.Loss:F4} in 40 steps");
        Assert.True(result.Last.Loss < losses[0] / 4, $"the loss went from {losses[0]} to {result.Last.Loss} in 40 steps");
    }

    [Fact]
    public void NaNStepsAreSkippedAndKInARowAbortWithAdvice()
    {
        using var nanImages = Tensor.Full([Samples, 3, 16, 16], double.NaN);
        var source = new InMemoryBatchSource(nanImages, _tokens, batchSize: 4);
        var options = TrainingData.Options(RunDir("nan")) with { Steps = 10, MaxBadSteps = 3 };
        var error = Assert.Throws<TrainingDivergedException>(() => Trainer.Run(options, source));
        Assert.Contains("3 steps in a row", error.Message);
        Assert.Contains("lower learning rate", error.Message);
        Assert.Contains("grad_clip_norm", error.Message);
        Assert.Contains("check the data", error.Message);

        var metrics = Metrics(RunDir("nan"));
        Assert.Equal([1, 2, 3], metrics.Select(m => m.GetProperty("step").GetInt32()));
        Assert.All(metrics, m => Assert.True(m.GetProperty("skipped").GetBoolean()));
        Assert.All(metrics, m => Assert.Equal("NaN", m.GetProperty("loss").GetString()));
        Assert.Null(TrainCheckpoint.FindLatest(RunDir("nan")));
    }

    [Fact]
    public void ACrashWhileWritingACheckpointLeavesThePreviousOneLatestAndLoadable()
    {
        var runDir = RunDir("crash");
        var options = TrainingData.Options(runDir);
        using var model = ClipModel.FromConfig(TrainingData.Config, options.Seed);
        using var trainer = new Trainer(model, options);
        var source = Source();
        using (var batch = source.Next()) trainer.TrainStep([batch]);
        var first = TrainCheckpoint.Save(runDir, trainer, source.Position);
        var savedParameters = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value.ToArray());

        using (var batch = source.Next()) trainer.TrainStep([batch]);
        var crash = Assert.Throws<IOException>(() => TrainCheckpoint.Save(runDir, trainer, source.Position, afterFile: file =>
        {
            if (Path.GetFileName(file) == TrainCheckpoint.OptimizerFile) throw new IOException("simulated crash");
        }));
        Assert.Equal("simulated crash", crash.Message);
        // A process killed mid-write leaves its temporary directory (and perhaps a half-moved one) behind: neither counts.
        var root = TrainCheckpoint.Directory(runDir);
        Directory.CreateDirectory(Path.Combine(root, ".step-00000002.0123.tmp"));
        File.WriteAllText(Path.Combine(root, ".step-00000002.0123.tmp", TrainCheckpoint.ModelFile), "half a file");
        Directory.CreateDirectory(Path.Combine(root, "step-00000002"));

        Assert.Equal(first, TrainCheckpoint.FindLatest(runDir));
        var state = TrainCheckpoint.ReadState(first);
        Assert.Equal(1, state.Step);
        var weights = SafeTensors.Load(Path.Combine(first, TrainCheckpoint.ModelFile));
        using (var loaded = ClipModel.FromStateDict(weights, TrainingData.Config))
            foreach (var (name, parameter) in loaded.NamedParameters())
                Assert.True(savedParameters[name].AsSpan().SequenceEqual(parameter.ToArray()), $"{name} of the surviving checkpoint");
        foreach (var t in weights.Values) t.Dispose();

        var second = TrainCheckpoint.Save(runDir, trainer, source.Position);
        Assert.Equal(Path.Combine(root, "step-00000002"), second);
        Assert.Equal(second, TrainCheckpoint.FindLatest(runDir));
        Assert.Equal(2, TrainCheckpoint.ReadState(second).Step);
    }
}
