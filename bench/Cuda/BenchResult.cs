namespace ClipEngine.Bench.Cuda;

/// <summary>One benchmark's outcome: the median of <see cref="Reps"/> timed launches, or the error that stopped it.</summary>
public sealed record BenchResult(string Name, string Shape, Work Work, int Reps, double MedianSeconds, string? Error = null)
{
    public bool Failed => Error is not null;

    public double BytesPerSecond => Work.Bytes / MedianSeconds;

    public double FlopsPerSecond => Work.Flops / MedianSeconds;
}
