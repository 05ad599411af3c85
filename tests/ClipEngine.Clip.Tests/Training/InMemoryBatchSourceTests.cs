using ClipEngine.Clip.Training;

namespace ClipEngine.Clip.Tests.Training;

public sealed class InMemoryBatchSourceTests : IDisposable
{
    private readonly Tensor _images = TrainingData.Images(10, seed: 31);
    private readonly Tensor _tokens = Tensor.FromArray(Enumerable.Range(0, 10 * 2).Select(i => (long)i).ToArray(), 10, 2);

    public void Dispose()
    {
        _images.Dispose();
        _tokens.Dispose();
    }

    /// <summary>The sample ids of the next batch (row r of the tokens holds 2r, 2r + 1).</summary>
    private static long[] NextIds(IBatchSource source)
    {
        using var batch = source.Next();
        return [.. batch.Tokens.ToArray<long>().Where((_, i) => i % 2 == 0).Select(v => v / 2)];
    }

    [Fact]
    public void EachEpochVisitsFullBatchesOfDistinctSamplesInANewOrder()
    {
        var source = new InMemoryBatchSource(_images, _tokens, batchSize: 3, shuffle: true, seed: 4);
        Assert.Equal(10, source.SamplesPerEpoch);
        var epochs = Enumerable.Range(0, 2).Select(_ => Enumerable.Range(0, 3).SelectMany(_ => NextIds(source)).ToArray()).ToArray();
        Assert.All(epochs, e => Assert.Equal(9, e.Distinct().Count()));
        Assert.NotEqual(epochs[0], epochs[1]);
        Assert.Equal(18, source.Stats.Samples);
    }

    [Fact]
    public void ImagesTravelWithTheirTokens()
    {
        var source = new InMemoryBatchSource(_images, _tokens, batchSize: 4, shuffle: true, seed: 4);
        using var batch = source.Next();
        var ids = batch.Tokens.ToArray<long>().Where((_, i) => i % 2 == 0).Select(v => (int)(v / 2)).ToArray();
        var all = _images.ToArray();
        var got = batch.Images.ToArray();
        var size = 3 * 16 * 16;
        for (var i = 0; i < ids.Length; i++) Assert.Equal(all.AsSpan(ids[i] * size, size).ToArray(), got.AsSpan(i * size, size).ToArray());
    }

    [Fact]
    public void ARestoredPositionContinuesOnTheExactNextBatch()
    {
        var original = new InMemoryBatchSource(_images, _tokens, batchSize: 3, shuffle: true, seed: 4);
        for (var i = 0; i < 4; i++) NextIds(original);
        var position = original.Position;
        var expected = Enumerable.Range(0, 5).Select(_ => NextIds(original)).ToArray();

        var restored = new InMemoryBatchSource(_images, _tokens, batchSize: 3, shuffle: true, seed: 4);
        restored.Restore(JsonRoundTrip(position));
        Assert.Equal(expected, Enumerable.Range(0, 5).Select(_ => NextIds(restored)).ToArray());
    }

    [Fact]
    public void APositionFromAnotherKindOfSourceIsRejected()
    {
        var source = new InMemoryBatchSource(_images, _tokens, batchSize: 3);
        var foreign = DataPosition.Create("webdataset", new { shard = 3 });
        Assert.Contains("webdataset", Assert.Throws<ArgumentException>(() => source.Restore(foreign)).Message);
    }

    /// <summary>The position as a checkpoint stores it: through JSON text and back.</summary>
    private static DataPosition JsonRoundTrip(DataPosition position) =>
        System.Text.Json.JsonSerializer.Deserialize<DataPosition>(System.Text.Json.JsonSerializer.Serialize(position))!;
}
