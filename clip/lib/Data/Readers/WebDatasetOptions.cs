namespace ClipEngine.Clip.Data;

/// <summary>How WebDataset shards are read; the defaults follow open_clip's training pipeline.</summary>
public sealed record WebDatasetOptions
{
    private readonly int _shuffleBufferSize = 1000;
    private readonly long? _samplesPerEpoch;
    private readonly int _maxCaptionBytes = 64 << 10;

    /// <summary>Visit the shards in a new random order each epoch (fixed by seed and epoch).</summary>
    public bool ShuffleShards { get; init; } = true;

    /// <summary>
    /// Samples held back and handed out in random order; 0 or 1 turns the buffer off. Each holds its encoded image,
    /// so memory is about this many times the mean image file size.
    /// </summary>
    public int ShuffleBufferSize
    {
        get => _shuffleBufferSize;
        init => _shuffleBufferSize = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(ShuffleBufferSize), value, "must not be negative");
    }

    /// <summary>Draw shards with replacement, forever (open_clip's --dataset-resampled); pair with <see cref="SamplesPerEpoch"/>.</summary>
    public bool Resample { get; init; }

    /// <summary>End an epoch after this many samples (a resampled stream's nominal epoch); null reads every shard once, or forever when resampling.</summary>
    public long? SamplesPerEpoch
    {
        get => _samplesPerEpoch;
        init => _samplesPerEpoch = value is null or > 0 ? value : throw new ArgumentOutOfRangeException(nameof(SamplesPerEpoch), value, "must be positive");
    }

    /// <summary>Image members a sample may have, in order of preference (open_clip: jpg;png;jpeg;webp).</summary>
    public IReadOnlyList<string> ImageExtensions { get; init; } = ["jpg", "png", "jpeg", "webp"];

    /// <summary>A .txt caption longer than this is skipped as oversized.</summary>
    public int MaxCaptionBytes
    {
        get => _maxCaptionBytes;
        init => _maxCaptionBytes = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxCaptionBytes), value, "must be positive");
    }

    public TarLimits Limits { get; init; } = TarLimits.Default;

    /// <summary>
    /// A truncated or corrupt shard (or one that cannot be opened) is counted as <see cref="SkipReason.DamagedShard"/>
    /// and reading goes on with the next shard, keeping the samples read before the damage; false makes it an error.
    /// </summary>
    public bool SkipDamagedShards { get; init; }
}
