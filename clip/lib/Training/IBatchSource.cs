namespace ClipEngine.Clip.Training;

/// <summary>
/// The trainer's only view of data: an endless stream of micro-batches (epochs follow one another), whose position
/// can be saved and restored so that a resumed run sees exactly the samples the uninterrupted run would have.
/// </summary>
public interface IBatchSource
{
    /// <summary>The next micro-batch, on the CPU; the caller owns and disposes it.</summary>
    TrainBatch Next();

    /// <summary>Where the stream stands now: the next <see cref="Next"/> returns the batch after the last one returned.</summary>
    DataPosition Position { get; }

    /// <summary>Continues from a position <see cref="Position"/> returned, possibly in another process.</summary>
    void Restore(DataPosition position);

    /// <summary>Samples in one epoch, or null for a stream without epochs (then runs are set in steps).</summary>
    long? SamplesPerEpoch { get; }

    /// <summary>The source's own counters so far.</summary>
    BatchSourceStats Stats { get; }
}

/// <summary>Samples delivered, samples skipped as unreadable, and the loader's own throughput when it has one (images/s).</summary>
public readonly record struct BatchSourceStats(long Samples, long Skipped, double? ImagesPerSecond);
