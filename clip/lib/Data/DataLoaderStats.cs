namespace ClipEngine.Clip.Data;

/// <summary>
/// The loader's throughput and the consumer's waiting. <see cref="ImagesPerSecond"/> is images decoded per second
/// since the loader started, which a slow consumer caps through the bounded queue; <see cref="WorkerImagesPerSecond"/>
/// is what the workers manage while busy (images / busy seconds × workers), the loader's own capacity.
/// <see cref="ConsumerWait"/> is the time spent inside <see cref="ClipDataLoader.Next"/> waiting for a batch, so
/// ConsumerWait / (time between batches) is the trainer's data-wait fraction.
/// </summary>
public sealed record DataLoaderStats(
    long ImagesDecoded,
    long BatchesDelivered,
    TimeSpan Elapsed,
    TimeSpan WorkerBusy,
    int Workers,
    TimeSpan ConsumerWait,
    TimeSpan LastWait)
{
    public double ImagesPerSecond => Elapsed > TimeSpan.Zero ? ImagesDecoded / Elapsed.TotalSeconds : 0;

    public double WorkerImagesPerSecond => WorkerBusy > TimeSpan.Zero ? ImagesDecoded / WorkerBusy.TotalSeconds * Workers : 0;

    /// <summary>Share of the loader's lifetime the consumer spent waiting for batches.</summary>
    public double WaitFraction => Elapsed > TimeSpan.Zero ? ConsumerWait / Elapsed : 0;
}
