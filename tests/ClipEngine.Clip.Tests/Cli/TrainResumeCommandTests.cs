using ClipEngine.Clip.Tests.Preprocessing;
using ClipEngine.Clip.Tests.Training;
using ClipEngine.Clip.Training;

namespace ClipEngine.Clip.Tests.Cli;

/// <summary>Tests that change the working directory (where runs/ is looked up) and so must run alone.</summary>
[CollectionDefinition(nameof(WorkingDirectoryCollection), DisableParallelization = true)]
public sealed class WorkingDirectoryCollection;

[Collection(nameof(WorkingDirectoryCollection))]
public sealed class TrainResumeCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _previous = Environment.CurrentDirectory;

    public TrainResumeCommandTests() => Environment.CurrentDirectory = _dir.Path;

    public void Dispose()
    {
        Environment.CurrentDirectory = _previous;
        _dir.Dispose();
    }

    /// <summary>
    /// Two identical built-in runs of 4 steps; the second is then cut back to its step-2 checkpoint, as if the process
    /// had died after writing it. <c>--resume latest</c> picks that run (its latest checkpoint is the newest) and ends
    /// it bit for bit where the uninterrupted run ended.
    /// </summary>
    [Fact]
    public void ResumeLatestContinuesTheNewestRunBitIdentically()
    {
        var options = TrainCliData.BuiltinOptions(_dir);
        string[] flags = ["train", "--config", options, "--steps", "4", "--warmup", "1", "--save-frequency", "2"];
        CliRun.Of([.. flags, "--output", Path.Combine("runs", "whole")]).Succeeded();
        CliRun.Of([.. flags, "--output", Path.Combine("runs", "cut")]).Succeeded();

        var cut = Path.Combine(_dir.Path, "runs", "cut");
        var checkpoints = TrainCheckpoint.Directory(cut);
        Directory.Delete(Path.Combine(checkpoints, "step-00000004"), recursive: true);
        File.WriteAllText(Path.Combine(checkpoints, TrainCheckpoint.LatestFile), "step-00000002");
        File.SetLastWriteTimeUtc(Path.Combine(checkpoints, TrainCheckpoint.LatestFile), DateTime.UtcNow.AddMinutes(1));

        var resumed = CliRun.Of("train", "--resume", "latest").Succeeded();
        Assert.Contains("step 2 of 4", resumed.Out);
        var whole = Path.Combine(_dir.Path, "runs", "whole");
        var last = TrainCheckpoint.FindLatest(cut)!;
        Assert.EndsWith("step-00000004", last);
        TrainAssert.SameTensors(Path.Combine(TrainCheckpoint.FindLatest(whole)!, TrainCheckpoint.ModelFile), Path.Combine(last, TrainCheckpoint.ModelFile));
        Assert.Equal(TrainAssert.Losses(whole), TrainAssert.Losses(cut));
        Assert.Equal(File.ReadAllText(Path.Combine(whole, "zeroshot.jsonl")), File.ReadAllText(Path.Combine(cut, "zeroshot.jsonl")));
        Assert.True(TrainCliData.IsPng(Path.Combine(cut, "zeroshot.png")));
    }

    [Fact]
    public void AResumedRunRefusesFlagsThatWouldChangeIt()
    {
        var error = CliRun.Of("train", "--resume", "latest", "--lr", "0.1").FailedWith(ClipEngine.Cli.ClipCli.UsageError);
        Assert.Contains("--lr", error);
        Assert.Contains("--resume latest: no run", CliRun.Of("train", "--resume", "latest").FailedWith(ClipEngine.Cli.ClipCli.UsageError));
    }
}
