namespace ClipEngine.Clip.Data;

/// <summary>
/// WebDataset tar shards, streamed (nothing is extracted): a shard list given as brace patterns joined by "::"
/// (<see cref="ShardPattern"/>), each epoch's shards in a (seed, epoch) order — or drawn with replacement when
/// resampling — then a shuffle buffer, all seeded so that an epoch's sample sequence is the same on every read.
/// Corrupt samples and rejected members are skipped and counted in <see cref="Counters"/>; an image that does not
/// decode is counted by the loader that decodes it.
/// </summary>
public sealed class WebDatasetSource : ICaptionedImageSource
{
    public WebDatasetSource(string shardPatterns, WebDatasetOptions? options = null)
    {
        Options = options ?? new WebDatasetOptions();
        Shards = ShardPattern.Expand(shardPatterns);
        if (Shards.Count == 0) throw new ArgumentException($"the shard pattern \"{shardPatterns}\" names no shards", nameof(shardPatterns));
        if (!Options.SkipDamagedShards && Shards.FirstOrDefault(s => !File.Exists(s)) is { } missing)
            throw new FileNotFoundException($"{missing}: shard not found (from \"{shardPatterns}\", {Shards.Count} shards)", missing);
    }

    public IReadOnlyList<string> Shards { get; }

    public WebDatasetOptions Options { get; }

    public DataCounters Counters { get; } = new();

    /// <summary>
    /// The epoch's samples after the shuffle buffer, numbered from 0. A <paramref name="skip"/> re-reads the epoch's
    /// first samples (same shards, same order, same buffer draws) and discards them before decoding.
    /// </summary>
    public IEnumerable<CaptionedImage> ReadEpoch(ulong seed, int epoch, long skip, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        var samples = ShuffleBuffer.Shuffle(
            EpochSamples(seed, epoch, cancellationToken),
            Options.ShuffleBufferSize,
            DataRandom.ForEpoch(seed, DataRandomPurpose.ShuffleBuffer, epoch));
        long index = 0;
        foreach (var sample in samples)
        {
            if (index == Options.SamplesPerEpoch) yield break;
            if (index++ < skip) continue;
            Counters.AddRead();
            yield return sample with { Index = index - 1 };
        }
    }

    /// <summary>The shards of one epoch: a permutation, or (resampling) uniform draws with replacement without end.</summary>
    public IEnumerable<string> ShardOrder(ulong seed, int epoch)
    {
        var random = DataRandom.ForEpoch(seed, DataRandomPurpose.ShardOrder, epoch);
        if (Options.Resample)
        {
            while (true) yield return Shards[(int)random.NextInt(Shards.Count)];
        }
        var order = Options.ShuffleShards ? random.Permutation(Shards.Count) : Enumerable.Range(0, Shards.Count).ToArray();
        foreach (var i in order) yield return Shards[i];
    }

    /// <summary>The shards' samples in shard order; a resampled stream whose shards keep yielding nothing is an error rather than an endless loop.</summary>
    private IEnumerable<CaptionedImage> EpochSamples(ulong seed, int epoch, CancellationToken cancellationToken)
    {
        var emptyInARow = 0;
        foreach (var shard in ShardOrder(seed, epoch))
        {
            var any = false;
            foreach (var sample in ShardSamples(shard, cancellationToken))
            {
                any = true;
                yield return sample;
            }
            emptyInARow = any ? 0 : emptyInARow + 1;
            if (Options.Resample && emptyInARow >= Math.Max(100, 10 * Shards.Count))
                throw new InvalidDataException($"{emptyInARow} shard draws in a row gave no usable sample; see the skip counters ({Counters})");
        }
    }

    private IEnumerable<CaptionedImage> ShardSamples(string shard, CancellationToken cancellationToken)
    {
        using var reader = Open(shard);
        if (reader is null) yield break;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (NextOrDamaged(reader, shard) is not { } sample) yield break;
            yield return sample;
        }
    }

    private WebDatasetShardReader? Open(string shard)
    {
        try
        {
            return new WebDatasetShardReader(shard, Options, Counters);
        }
        catch (Exception e) when (Options.SkipDamagedShards && e is IOException or UnauthorizedAccessException)
        {
            Counters.AddSkipped(SkipReason.DamagedShard, $"{shard}: cannot open the shard: {e.Message}");
            return null;
        }
    }

    private CaptionedImage? NextOrDamaged(WebDatasetShardReader reader, string shard)
    {
        try
        {
            return reader.Next();
        }
        catch (Exception e) when (Options.SkipDamagedShards && e is TarFormatException or IOException)
        {
            Counters.AddSkipped(SkipReason.DamagedShard, e is TarFormatException ? e.Message : $"{shard}: {e.Message}");
            return null;
        }
    }
}
