namespace ClipEngine.Clip.Data;

/// <summary>
/// What a data source and its loader have done so far: samples read, delivered, and skipped by reason, with the last
/// message for each reason so a log can say which file was at fault. Thread-safe; counts only grow.
/// </summary>
public sealed class DataCounters
{
    private static readonly int ReasonCount = Enum.GetValues<SkipReason>().Length;

    private readonly long[] _skipped = new long[ReasonCount];
    private readonly string?[] _lastMessage = new string?[ReasonCount];
    private long _samplesRead;
    private long _samplesDelivered;

    /// <summary>Samples a source produced (before decoding); a resumed run's skipped-over samples are not read again and not counted.</summary>
    public long SamplesRead => Interlocked.Read(ref _samplesRead);

    /// <summary>Samples a loader put into batches.</summary>
    public long SamplesDelivered => Interlocked.Read(ref _samplesDelivered);

    public long TotalSkipped => Enum.GetValues<SkipReason>().Sum(Skipped);

    public long Skipped(SkipReason reason) => Interlocked.Read(ref _skipped[(int)reason]);

    /// <summary>The message of the most recent skip for <paramref name="reason"/>, or null if there was none.</summary>
    public string? LastMessage(SkipReason reason) => Volatile.Read(ref _lastMessage[(int)reason]);

    /// <summary>Every reason with a non-zero count.</summary>
    public IReadOnlyDictionary<SkipReason, long> SkippedByReason() =>
        Enum.GetValues<SkipReason>().Where(r => Skipped(r) > 0).ToDictionary(r => r, Skipped);

    public override string ToString()
    {
        var skipped = SkippedByReason();
        var detail = skipped.Count == 0 ? "" : " (" + string.Join(", ", skipped.Select(kv => $"{kv.Key}: {kv.Value}")) + ")";
        return $"read {SamplesRead}, delivered {SamplesDelivered}, skipped {TotalSkipped}{detail}";
    }

    internal void AddRead() => Interlocked.Increment(ref _samplesRead);

    internal void AddDelivered(int count) => Interlocked.Add(ref _samplesDelivered, count);

    internal void AddSkipped(SkipReason reason, string message)
    {
        Interlocked.Increment(ref _skipped[(int)reason]);
        Volatile.Write(ref _lastMessage[(int)reason], message);
    }
}
