namespace ClipEngine.Clip.Data;

public sealed record DataLoaderOptions
{
    private readonly int _batchSize = 1;
    private readonly int _workers = Math.Max(1, Environment.ProcessorCount - 1);
    private readonly int _prefetchBatches = 2;
    private readonly int? _epochs;

    public int BatchSize
    {
        get => _batchSize;
        init => _batchSize = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, "must be positive");
    }

    /// <summary>Threads that decode and augment images (one more reads the source, one more assembles batches).</summary>
    public int Workers
    {
        get => _workers;
        init => _workers = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(Workers), value, "must be positive");
    }

    /// <summary>Finished batches waiting for the consumer, at most (the bounded queue's depth).</summary>
    public int PrefetchBatches
    {
        get => _prefetchBatches;
        init => _prefetchBatches = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(PrefetchBatches), value, "must be positive");
    }

    /// <summary>Fixes the sample order (row permutation, shard order, shuffle buffer) and every augmentation.</summary>
    public ulong Seed { get; init; }

    /// <summary>Epochs 0 … Epochs − 1 are read; null reads epochs without end.</summary>
    public int? Epochs
    {
        get => _epochs;
        init => _epochs = value is null or > 0 ? value : throw new ArgumentOutOfRangeException(nameof(Epochs), value, "must be positive");
    }

    /// <summary>Drop an epoch's last, short batch (as open_clip does for training) rather than deliver it.</summary>
    public bool DropLast { get; init; } = true;

    /// <summary>Where to start: a <see cref="ClipBatch.Position"/> saved with a checkpoint; null starts at epoch 0. Its seed must be <see cref="Seed"/>.</summary>
    public DataPosition? Resume { get; init; }
}
