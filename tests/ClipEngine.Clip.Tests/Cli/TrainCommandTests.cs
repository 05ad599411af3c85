using System.Text.Json;
using ClipEngine.Backends.Cuda;
using ClipEngine.Clip.Tests.Preprocessing;
using ClipEngine.Clip.Tests.Training;
using ClipEngine.Clip.Training;

namespace ClipEngine.Clip.Tests.Cli;

public sealed class TrainCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string RunDir(string name) => Path.Combine(_dir.Path, "runs", name);

    private static List<JsonElement> Metrics(string runDir) =>
        [.. File.ReadLines(Path.Combine(runDir, "metrics.jsonl")).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    private static void AssertRunFiles(string runDir, int steps, bool zeroShotPlot)
    {
        var checkpoint = Path.Combine(runDir, "checkpoints", $"step-{steps:D8}");
        Assert.Equal(checkpoint, TrainCheckpoint.FindLatest(runDir));
        Assert.True(File.Exists(Path.Combine(checkpoint, TrainCheckpoint.ModelFile)));
        Assert.True(File.Exists(Path.Combine(checkpoint, "tokenizer.txt")));
        Assert.Equal(Enumerable.Range(1, steps), Metrics(runDir).Select(m => m.GetProperty("step").GetInt32()));
        Assert.True(TrainCliData.IsPng(Path.Combine(runDir, "loss.png")));
        Assert.Equal(zeroShotPlot, TrainCliData.IsPng(Path.Combine(runDir, "zeroshot.png")));
    }

    [Fact]
    public void ACsvRunWithFlagsForItsColumnsWritesCheckpointsMetricsAndPlots()
    {
        var csv = TrainCliData.Csv(_dir, 12);
        var (vocab, config) = TrainCliData.VocabAndConfig(_dir);
        var folder = ImageFolderEvaluatorTests.WriteFolder(_dir);
        var runDir = RunDir("csv");
        var run = CliRun.Of("train", "--train-data", csv, "--csv-img-key", "img", "--csv-caption-key", "cap", "--csv-separator", ",",
            "--model", config, "--vocab", vocab, "--batch-size", "4", "--steps", "3", "--warmup", "1", "--workers", "1",
            "--image-folder", folder, "--zeroshot-frequency", "2", "--output", runDir).Succeeded();

        AssertRunFiles(runDir, 3, zeroShotPlot: true);
        Assert.Equal(File.ReadAllText(vocab), File.ReadAllText(Path.Combine(runDir, "checkpoints", "step-00000003", "tokenizer.txt")));
        Assert.Equal([2, 3], Metrics(runDir).Where(m => m.TryGetProperty("zeroshot_top1", out _)).Select(m => m.GetProperty("step").GetInt32()));
        Assert.Contains(Path.Combine(runDir, "checkpoints", "step-00000003"), run.Out);
        Assert.Contains("zero-shot:     folder top-1", run.Out);
        Assert.Contains("chance 33.3%", run.Out);
        var options = TrainOptions.Load(Path.Combine(runDir, Trainer.OptionsFile));
        Assert.Equal(4, options.BatchSize);
        Assert.Equal(1, options.Warmup);
    }

    [Fact]
    public void AWebDatasetRunInEpochsOfAResampledStreamTakesTheirSteps()
    {
        var shards = TrainCliData.Shards(_dir, shards: 2, perShard: 6);
        var (vocab, config) = TrainCliData.VocabAndConfig(_dir);
        var runDir = RunDir("tar");
        CliRun.Of("train", "--train-data", shards, "--dataset-resampled", "--train-num-samples", "8", "--epochs", "2",
            "--model", config, "--vocab", vocab, "--batch-size", "4", "--warmup", "1", "--workers", "1", "--output", runDir).Succeeded();
        // Two epochs of 8 samples in batches of 4.
        AssertRunFiles(runDir, 4, zeroShotPlot: false);
    }

    [Fact]
    public void DeviceCudaWithoutADriverSaysWhyAndWritesNothing()
    {
        // cuda:1, because the tests point cuda:0 at the emulated driver (ClipCudaTestDevice).
        _ = ClipCudaTestDevice.Device;
        var runDir = RunDir("cuda");
        var run = CliRun.Of("train", "--config", TrainCliData.BuiltinOptions(_dir), "--steps", "2", "--warmup", "1", "--device", "cuda:1", "--output", runDir);
        if (!CudaDevice.IsAvailable)
        {
            var line = run.FailedWith(ClipEngine.Cli.ClipCli.Failure);
            Assert.Contains("no CUDA device", line);
            Assert.Contains("libcuda", line);
            Assert.False(Directory.Exists(runDir));
        }
    }

    [Fact]
    public void DeviceCudaTrainsOnTheCudaBackend()
    {
        _ = ClipCudaTestDevice.Device;
        var runDir = RunDir("cuda0");
        var run = CliRun.Of("train", "--config", TrainCliData.BuiltinOptions(_dir), "--steps", "2", "--warmup", "1", "--device", "cuda", "--output", runDir);
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Contains("on cuda:0", run.Out);
        Assert.True(Directory.Exists(Path.Combine(runDir, "checkpoints", "step-00000002")), run.Out);
    }

    [Theory]
    [InlineData("--stepz", "--stepz", "3")]
    [InlineData("--steps", "--steps", "many")]
    [InlineData("--batch-size", "--batch-size", "0")]
    [InlineData("--warmup", "--steps", "10", "--warmup", "20")]
    [InlineData("--precision", "--precision", "fp8")]
    [InlineData("--data", "--data", "imagenet")]
    [InlineData("--csv-img-key", "--csv-img-key", "image")]
    [InlineData("--steps and --epochs", "--steps", "3", "--epochs", "1")]
    [InlineData("--vocab", "--vocab", "vocab.txt")]
    [InlineData("--model", "--train-data", "x.csv", "--vocab", "v.txt", "--steps", "2", "--warmup", "1")]
    public void BadFlagsAreUsageErrorsNamingTheFlag(string named, params string[] flags)
    {
        var run = CliRun.Of(["train", "--output", RunDir("bad"), .. flags]);
        var error = run.FailedWith(ClipEngine.Cli.ClipCli.UsageError);
        Assert.Contains(named, error);
        Assert.False(Directory.Exists(RunDir("bad")));
    }
}
