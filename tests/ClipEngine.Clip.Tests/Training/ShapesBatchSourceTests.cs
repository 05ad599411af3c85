using ClipEngine.Clip.Data;
using ClipEngine.Clip.Training;
using DataPosition = ClipEngine.Clip.Training.DataPosition;

namespace ClipEngine.Clip.Tests.Training;

public sealed class ShapesBatchSourceTests : IDisposable
{
    private readonly TrainingData.TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static ShapesBatchSource Source(int batchSize = 8) => new(ShapesTraining.Dataset(), ShapesTraining.Tokenize, batchSize);

    [Fact]
    public void BatchesAreTheDatasetsSamplesInOrderWithTheirCaptionsTokenized()
    {
        var dataset = ShapesTraining.Dataset();
        var source = Source();
        using (source.Next()) { }
        using var second = source.Next();
        var (images, captions) = dataset.GetBatch(8, 8);
        using (images)
        {
            Assert.Equal(images.ToArray(), second.Images.ToArray());
        }
        using var expected = ShapesTraining.Tokenizer.Tokenize(captions, BuiltinTraining.ContextLength);
        Assert.Equal(expected.ToArray<long>(), second.Tokens.ToArray<long>());
        Assert.Equal(16, source.Stats.Samples);
        Assert.Null(source.SamplesPerEpoch);
    }

    [Fact]
    public void ARestoredSourceContinuesWithTheNextSample()
    {
        var source = Source();
        for (var i = 0; i < 3; i++) source.Next().Dispose();
        var position = source.Position;
        using var expected = source.Next();

        var restored = Source();
        restored.Restore(position);
        using var actual = restored.Next();
        Assert.Equal(expected.Images.ToArray(), actual.Images.ToArray());
        Assert.Equal(expected.Tokens.ToArray<long>(), actual.Tokens.ToArray<long>());
        Assert.Equal(24, position.State.GetProperty("next_sample").GetInt64());
    }

    [Fact]
    public void APositionOfOtherDataIsRefused()
    {
        var other = new ShapesBatchSource(new ShapesDataset(new ShapesOptions { ImageSize = ShapesTraining.ImageSize, Seed = 7 }), ShapesTraining.Tokenize, 8);
        var error = Assert.Throws<ArgumentException>(() => Source().Restore(other.Position));
        Assert.Contains("seed 7", error.Message);
        Assert.Throws<ArgumentException>(() => Source().Restore(DataPosition.Create("in_memory", new { epoch = 0, batch = 0 })));
    }

    [Fact]
    public void TwoNStepsEqualNStepsResumedForNMoreBitForBit()
    {
        var options = ShapesTraining.Options("") with { Steps = 6, SaveEverySteps = 3 };
        var whole = Trainer.Run(options with { OutputDir = Path.Combine(_dir.Path, "whole") }, Source());

        var split = Path.Combine(_dir.Path, "split");
        var stop = new StopAt(3);
        var first = Trainer.Run(options with { OutputDir = split }, Source(), progress: stop, cancellationToken: stop.Token);
        Assert.False(first.Completed);
        Assert.Equal(3, first.Steps);
        // A fresh source, as a new process would build it: the checkpoint's position moves it on.
        var second = Trainer.Resume(split, Source());
        Assert.True(second.Completed);

        TrainAssert.SameTensors(Path.Combine(whole.Checkpoint, TrainCheckpoint.ModelFile), Path.Combine(second.Checkpoint, TrainCheckpoint.ModelFile));
        TrainAssert.SameTensors(Path.Combine(whole.Checkpoint, TrainCheckpoint.OptimizerFile), Path.Combine(second.Checkpoint, TrainCheckpoint.OptimizerFile));
        Assert.Equal(TrainAssert.Losses(whole.RunDirectory), TrainAssert.Losses(split));
    }
}
