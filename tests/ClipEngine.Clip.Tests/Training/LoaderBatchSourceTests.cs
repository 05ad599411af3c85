using ClipEngine.Clip.Data;
using ClipEngine.Clip.Tests.Preprocessing;
using ClipEngine.Clip.Training;
using DataPosition = ClipEngine.Clip.Training.DataPosition;

namespace ClipEngine.Clip.Tests.Training;

public sealed class LoaderBatchSourceTests : IDisposable
{
    private const int Rows = 20;

    private readonly TempDirectory _data = new();
    private readonly TrainingData.TempDir _runs = new();
    private readonly string _csv;

    public LoaderBatchSourceTests()
    {
        var lines = new List<string> { "filepath\ttitle" };
        for (var i = 0; i < Rows; i++)
        {
            _data.Write($"{i}.png", TestImages.Png(TestImages.Noise(20 + i % 4, 18 + i % 3, seed: i)));
            lines.Add($"{i}.png\ta {(i % 2 == 0 ? "red" : "blue")} circle number {i}");
        }
        _csv = _data.Write("train.tsv", System.Text.Encoding.UTF8.GetBytes(string.Join("\n", lines)));
    }

    public void Dispose()
    {
        _data.Dispose();
        _runs.Dispose();
    }

    private LoaderBatchSource Source(int batchSize = 4) => LoaderBatchSource.FromCsv(new CsvCaptionSource(_csv),
        new SampleDecoder(new RandomResizedCrop(ShapesTraining.ImageSize)), ShapesTraining.Tokenize,
        new DataLoaderOptions { BatchSize = batchSize, Workers = 2, Seed = 11 });

    [Fact]
    public void AnEpochIsTheTablesRowsAndPositionsCountSamplesConsumed()
    {
        using var source = Source();
        Assert.Equal(Rows, source.SamplesPerEpoch);
        for (var i = 0; i < 6; i++) source.Next().Dispose();
        // Five batches of four make epoch 0; the sixth is the first of epoch 1.
        Assert.Equal(1, source.Position.State.GetProperty("epoch").GetInt32());
        Assert.Equal(4, source.Position.State.GetProperty("samples_consumed").GetInt64());
        Assert.Equal(24, source.Stats.Samples);
        Assert.True(source.Stats.ImagesPerSecond > 0);
    }

    [Fact]
    public void ARestoredSourceDeliversTheBatchesTheUninterruptedOneWould()
    {
        using var whole = Source();
        var expected = Enumerable.Range(0, 7).Select(_ => Content(whole.Next())).ToList();
        using var first = Source();
        for (var i = 0; i < 4; i++) first.Next().Dispose();
        using var resumed = Source();
        resumed.Restore(first.Position);
        for (var i = 4; i < 7; i++)
        {
            var (images, tokens) = Content(resumed.Next());
            Assert.Equal(expected[i].Images, images);
            Assert.Equal(expected[i].Tokens, tokens);
        }
    }

    [Fact]
    public void APositionWithAnotherSeedIsRefused()
    {
        using var source = Source();
        var error = Assert.Throws<ArgumentException>(() => source.Restore(DataPosition.Create("loader", new { seed = 12, epoch = 0, samples_consumed = 0 })));
        Assert.Contains("seed 12", error.Message);
    }

    [Fact]
    public void TwoNStepsEqualNStepsResumedForNMoreBitForBit()
    {
        var options = ShapesTraining.Options("") with { BatchSize = 4, Steps = 8, SaveEverySteps = 4 };
        var runDir = Path.Combine(_runs.Path, "whole");
        TrainResult whole;
        using (var source = Source()) whole = Trainer.Run(options with { OutputDir = runDir }, source);

        var split = Path.Combine(_runs.Path, "split");
        var stop = new StopAt(4);
        using (var source = Source())
            Assert.False(Trainer.Run(options with { OutputDir = split }, source, progress: stop, cancellationToken: stop.Token).Completed);
        TrainResult second;
        using (var source = Source()) second = Trainer.Resume(split, source);

        Assert.True(second.Completed);
        TrainAssert.SameTensors(Path.Combine(whole.Checkpoint, TrainCheckpoint.ModelFile), Path.Combine(second.Checkpoint, TrainCheckpoint.ModelFile));
        TrainAssert.SameTensors(Path.Combine(whole.Checkpoint, TrainCheckpoint.OptimizerFile), Path.Combine(second.Checkpoint, TrainCheckpoint.OptimizerFile));
        Assert.Equal(TrainAssert.Losses(runDir), TrainAssert.Losses(split));
    }

    private static (float[] Images, long[] Tokens) Content(TrainBatch batch)
    {
        using (batch) return (batch.Images.ToArray(), batch.Tokens.ToArray<long>());
    }
}
