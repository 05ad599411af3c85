using ClipEngine.Clip.Data;
using ClipEngine.Clip.Tests.Preprocessing;

namespace ClipEngine.Clip.Tests.Data.Readers;

public class ClipDataLoaderTests
{
    private const int Resolution = 16;
    private const int Context = 77;

    private static readonly SampleDecoder Decoder = new(new RandomResizedCrop(Resolution));

    /// <summary>Stands in for the CLIP tokenizer: row i holds the caption's number, its length, then zeros.</summary>
    private static Tensor Tokenize(IReadOnlyList<string> captions)
    {
        var ids = new int[captions.Count * Context];
        for (var i = 0; i < captions.Count; i++)
        {
            ids[i * Context] = CaptionNumber(captions[i]);
            ids[i * Context + 1] = captions[i].Length;
        }
        return Tensor.FromArray(ids, captions.Count, Context);
    }

    private static int CaptionNumber(string caption) => int.Parse(caption["caption ".Length..]);

    private static byte[] ImageFile(int i) =>
        i % 2 == 0 ? TestImages.Png(TestImages.Noise(24 + i % 5, 20 + i % 3, seed: i)) : TestImages.Jpeg(TestImages.Noise(30, 22, seed: i));

    /// <summary>count image files and a TSV listing them with captions "caption i"; the rows in <paramref name="corrupt"/> get undecodable bytes.</summary>
    private static CsvCaptionSource CsvData(TempDirectory dir, int count, bool shuffle, params int[] corrupt)
    {
        var rows = new List<string> { "filepath\ttitle" };
        for (var i = 0; i < count; i++)
        {
            dir.Write($"{i}.img", corrupt.Contains(i) ? [0x89, 0x50, 0x4E, 0x47, 1, 2, 3] : ImageFile(i));
            rows.Add($"{i}.img\tcaption {i}");
        }
        var csv = dir.Write("data.tsv", System.Text.Encoding.UTF8.GetBytes(string.Join("\n", rows)));
        return new CsvCaptionSource(csv, new CsvOptions { Shuffle = shuffle });
    }

    private static WebDatasetSource TarData(TempDirectory dir, int shards, int perShard, int shuffleBuffer = 5)
    {
        for (var s = 0; s < shards; s++)
        {
            var tar = new TarBuilder();
            for (var i = s * perShard; i < (s + 1) * perShard; i++)
                tar.File($"{i:D5}.{(i % 2 == 0 ? "png" : "jpg")}", ImageFile(i)).File($"{i:D5}.txt", $"caption {i}");
            tar.End().WriteTo(Path.Combine(dir.Path, $"train-{s:D3}.tar"));
        }
        return new WebDatasetSource(Path.Combine(dir.Path, $"train-{{000..{shards - 1:D3}}}.tar"), new WebDatasetOptions { ShuffleBufferSize = shuffleBuffer });
    }

    private static ClipDataLoader Loader(ICaptionedImageSource source, DataLoaderOptions options) => new(source, Decoder, Tokenize, options);

    /// <summary>Everything a batch holds, copied out so batches can be compared after disposal.</summary>
    private sealed record BatchContent(float[] Images, int[] Texts, string[] Captions, long[] Indices, DataPosition Position)
    {
        public static BatchContent Of(ClipBatch batch)
        {
            using (batch)
                return new(batch.Images.ToArray<float>(), batch.Texts.ToArray<int>(), [.. batch.Captions], [.. batch.Indices], batch.Position);
        }

        public void AssertEqual(BatchContent other)
        {
            Assert.Equal(Captions, other.Captions);
            Assert.Equal(Indices, other.Indices);
            Assert.Equal(Position, other.Position);
            Assert.Equal(Texts, other.Texts);
            Assert.True(Images.AsSpan().SequenceEqual(other.Images), "image tensors differ");
        }
    }

    private static List<BatchContent> Drain(ClipDataLoader loader, int? take = null)
    {
        var result = new List<BatchContent>();
        while ((take is null || result.Count < take) && loader.Next() is { } batch) result.Add(BatchContent.Of(batch));
        return result;
    }

    private static void AssertEqual(IReadOnlyList<BatchContent> expected, IReadOnlyList<BatchContent> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++) expected[i].AssertEqual(actual[i]);
    }

    [Fact]
    public void SequentialCsv_DeliversEverySampleOncePerEpoch_InOrder_WithItsOwnAugmentation()
    {
        using var dir = new TempDirectory();
        var source = CsvData(dir, 10, shuffle: false);
        using var loader = Loader(source, new DataLoaderOptions { BatchSize = 4, Workers = 2, Epochs = 2, DropLast = false, Seed = 11 });
        var batches = Drain(loader);

        Assert.Equal([4, 4, 2, 4, 4, 2], batches.Select(b => b.Captions.Length));
        var expectedCaptions = Enumerable.Range(0, 10).Select(i => $"caption {i}").ToArray();
        Assert.Equal(expectedCaptions, batches.Take(3).SelectMany(b => b.Captions));
        Assert.Equal(expectedCaptions, batches.Skip(3).SelectMany(b => b.Captions));
        Assert.Equal([new DataPosition(11, 0, 4), new(11, 0, 8), new(11, 0, 10), new(11, 1, 4), new(11, 1, 8), new(11, 1, 10)], batches.Select(b => b.Position));

        var floats = 3 * Resolution * Resolution;
        foreach (var batch in batches)
        {
            for (var j = 0; j < batch.Captions.Length; j++)
            {
                var i = CaptionNumber(batch.Captions[j]);
                Assert.Equal(i, batch.Texts[j * Context]);
                Assert.Equal(batch.Captions[j].Length, batch.Texts[j * Context + 1]);
                var sample = CaptionedImage.FromFile(i, source.ImagePaths[i], batch.Captions[j]);
                using var alone = Decoder.Decode(sample, new SampleKey(11, batch.Position.Epoch, i));
                Assert.True(alone.ToArray<float>().AsSpan().SequenceEqual(batch.Images.AsSpan(j * floats, floats)), $"sample {i} differs from decoding it alone");
            }
        }
        // The two epochs crop differently.
        Assert.False(batches[0].Images.AsSpan().SequenceEqual(batches[3].Images));

        Assert.Null(loader.Next());
        Assert.Equal(20, loader.Counters.SamplesDelivered);
        Assert.Equal(20, loader.Stats.ImagesDecoded);
        Assert.Equal(6, loader.Stats.BatchesDelivered);
        Assert.True(loader.Stats.ImagesPerSecond > 0 && loader.Stats.WorkerImagesPerSecond > 0);
        Assert.True(SpinWait.SpinUntil(() => loader.AllThreadsStopped, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void DropLast_DropsEachEpochsShortBatch()
    {
        using var dir = new TempDirectory();
        using var loader = Loader(CsvData(dir, 10, shuffle: false), new DataLoaderOptions { BatchSize = 4, Workers = 1, Epochs = 2 });
        var batches = Drain(loader);
        Assert.Equal(4, batches.Count);
        Assert.All(batches, b => Assert.Equal(4, b.Captions.Length));
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"caption {i}"), batches.Take(2).SelectMany(b => b.Captions));
    }

    [Fact]
    public void BatchContent_IsTheSameForAnyNumberOfWorkers()
    {
        using var dir = new TempDirectory();
        var source = CsvData(dir, 23, shuffle: true);
        List<BatchContent> Run(int workers)
        {
            using var loader = Loader(source, new DataLoaderOptions { BatchSize = 5, Workers = workers, Epochs = 2, Seed = 3 });
            return Drain(loader);
        }
        var one = Run(1);
        Assert.Equal(8, one.Count);
        AssertEqual(one, Run(3));
        Assert.NotEqual(Enumerable.Range(0, 20).Select(i => $"caption {i}"), one.Take(4).SelectMany(b => b.Captions));
    }

    [Fact]
    public void UndecodableImages_AreSkippedAndCounted_AndBatchesStayFull()
    {
        using var dir = new TempDirectory();
        var source = CsvData(dir, 9, shuffle: false, corrupt: [2, 6]);
        File.Delete(Path.Combine(dir.Path, "7.img"));
        using var loader = Loader(source, new DataLoaderOptions { BatchSize = 3, Workers = 2, Epochs = 1 });
        var batches = Drain(loader);
        Assert.Equal(["caption 0", "caption 1", "caption 3", "caption 4", "caption 5", "caption 8"], batches.SelectMany(b => b.Captions));
        Assert.Equal(new DataPosition(0, 0, 4), batches[0].Position);
        Assert.Equal(new DataPosition(0, 0, 9), batches[1].Position);
        Assert.Equal(3, loader.Counters.Skipped(SkipReason.UndecodableImage));
        var last = loader.Counters.LastMessage(SkipReason.UndecodableImage)!;
        Assert.Contains(new[] { "2.img", "6.img", "7.img" }, name => last.StartsWith(Path.Combine(dir.Path, name) + ":"));
    }

    [Fact]
    public void Queue_IsBounded_AndReadAheadStopsWhenItIsFull()
    {
        var source = new EndlessSource(TestImages.Png(TestImages.Noise(20, 20, seed: 1)));
        var options = new DataLoaderOptions { BatchSize = 2, Workers = 2, PrefetchBatches = 3 };
        using var loader = Loader(source, options);
        for (var taken = 0; taken < 3; taken++)
        {
            // Wait (without taking) until the pipeline has filled up and stopped pulling samples.
            long pulled;
            do
            {
                pulled = source.Pulled;
                Assert.InRange(loader.BatchesReady, 0, options.PrefetchBatches);
                Thread.Sleep(50);
            } while (loader.BatchesReady < options.PrefetchBatches || source.Pulled != pulled);
            Assert.Equal(options.PrefetchBatches, loader.BatchesReady);
            Assert.InRange(source.Pulled, (taken + options.PrefetchBatches) * options.BatchSize, taken * options.BatchSize + loader.MaxSamplesAhead);
            loader.Next()!.Dispose();
        }
        loader.Dispose();
        Assert.True(loader.AllThreadsStopped);
    }

    [Fact]
    public void Dispose_StopsEveryThread_AndLaterCallsFail()
    {
        var source = new EndlessSource(TestImages.Png(TestImages.Noise(20, 20, seed: 2)));
        var loader = Loader(source, new DataLoaderOptions { BatchSize = 3, Workers = 3, PrefetchBatches = 2 });
        loader.Next()!.Dispose();
        loader.Next()!.Dispose();
        loader.Dispose();
        Assert.True(loader.AllThreadsStopped);
        Assert.Throws<ObjectDisposedException>(() => loader.Next());
        loader.Dispose();
    }

    [Theory]
    [InlineData(4)]
    [InlineData(3)]
    [InlineData(1)]
    public void ResumeFromAPosition_ContinuesWithTheSameBatches_Csv(int consumed)
    {
        using var dir = new TempDirectory();
        var source = CsvData(dir, 11, shuffle: true, corrupt: [5]);
        var options = new DataLoaderOptions { BatchSize = 3, Workers = 2, Epochs = 3, Seed = 21 };
        AssertResumes(source, options, consumed);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(2)]
    public void ResumeFromAPosition_ContinuesWithTheSameBatches_WebDataset(int consumed)
    {
        using var dir = new TempDirectory();
        var options = new DataLoaderOptions { BatchSize = 4, Workers = 2, Epochs = 2, Seed = 5 };
        AssertResumes(TarData(dir, shards: 3, perShard: 6), options, consumed);
    }

    private static void AssertResumes(ICaptionedImageSource source, DataLoaderOptions options, int consumed)
    {
        List<BatchContent> whole;
        using (var loader = Loader(source, options)) whole = Drain(loader);

        DataPosition saved;
        using (var loader = Loader(source, options))
        {
            AssertEqual(whole[..consumed], Drain(loader, consumed));
            saved = loader.Position;
        }
        Assert.Equal(whole[consumed - 1].Position, saved);
        using var resumed = Loader(source, options with { Resume = saved });
        Assert.Equal(saved, resumed.Position);
        AssertEqual(whole[consumed..], Drain(resumed));
    }

    [Fact]
    public void ResumeWithAnotherSeed_IsRefused()
    {
        var source = new EndlessSource([1]);
        var e = Assert.Throws<ArgumentException>(() => Loader(source, new DataLoaderOptions { Seed = 1, Resume = new DataPosition(2, 0, 5) }));
        Assert.Contains("seed", e.Message);
    }

    [Fact]
    public void TruncatedShard_SurfacesFromNext_AfterTheBatchesBeforeIt()
    {
        using var dir = new TempDirectory();
        var source = TarData(dir, shards: 1, perShard: 8, shuffleBuffer: 0);
        var shard = source.Shards[0];
        var bytes = File.ReadAllBytes(shard);
        File.WriteAllBytes(shard, bytes[..(bytes.Length - 1024 - 300)]);
        using var loader = Loader(source, new DataLoaderOptions { BatchSize = 2, Workers = 2, Epochs = 1 });
        var delivered = 0;
        var e = Assert.Throws<TarFormatException>(() =>
        {
            while (loader.Next() is { } batch)
            {
                batch.Dispose();
                delivered++;
            }
        });
        Assert.Equal(shard, e.ArchiveName);
        // Samples 0 … 6 are whole (the damage is in the padding after sample 7's caption): three batches of two.
        Assert.Equal(3, delivered);
        Assert.Throws<TarFormatException>(() => loader.Next());
    }

    [Fact]
    public void TokenizerFailure_SurfacesFromNext()
    {
        using var dir = new TempDirectory();
        using var loader = new ClipDataLoader(CsvData(dir, 4, shuffle: false), Decoder, _ => throw new FormatException("tokenizer broke"),
            new DataLoaderOptions { BatchSize = 2, Workers = 1 });
        Assert.Equal("tokenizer broke", Assert.Throws<FormatException>(() => loader.Next()).Message);
    }

    [Fact]
    public void TokenizerWithTheWrongRowCount_IsReported()
    {
        using var dir = new TempDirectory();
        using var loader = new ClipDataLoader(CsvData(dir, 4, shuffle: false), Decoder, _ => Tensor.Zeros([1, Context], DType.I32),
            new DataLoaderOptions { BatchSize = 2, Workers = 1 });
        Assert.Contains("[1, 77]", Assert.Throws<InvalidOperationException>(() => loader.Next()).Message);
    }

    [Fact]
    public void AnEpochWithoutAFullBatch_IsAnError_NotAnEndlessWait()
    {
        using var dir = new TempDirectory();
        using var loader = Loader(CsvData(dir, 4, shuffle: false, corrupt: [0, 1, 2]), new DataLoaderOptions { BatchSize = 2, Workers = 1, Epochs = 5 });
        var e = Assert.Throws<InvalidDataException>(() => loader.Next());
        Assert.Contains("epoch 0", e.Message);
        Assert.Contains("UndecodableImage", e.Message);
    }

    /// <summary>The same image forever, counting how many samples the loader pulled.</summary>
    private sealed class EndlessSource(byte[] image) : ICaptionedImageSource
    {
        private long _pulled;

        public long Pulled => Interlocked.Read(ref _pulled);

        public DataCounters Counters { get; } = new();

        public IEnumerable<CaptionedImage> ReadEpoch(ulong seed, int epoch, long skip, CancellationToken cancellationToken = default)
        {
            for (var i = skip; ; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Interlocked.Increment(ref _pulled);
                yield return CaptionedImage.FromBytes(i, $"endless/{i}", $"caption {i}", image);
            }
        }
    }
}
