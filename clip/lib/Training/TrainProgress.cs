namespace ClipEngine.Clip.Training;

/// <summary>
/// What a progress display shows after each step: the step's numbers, its throughput, how much of it was spent
/// waiting for data, the data source's own counters, the time since the run (or resume) began, a zero-shot result
/// when one was just measured, and the checkpoint directory when one was just written.
/// </summary>
public sealed record TrainProgress(
    StepResult Result,
    long TotalSteps,
    double SamplesPerSecond,
    double DataWaitPercent,
    BatchSourceStats Data,
    TimeSpan Elapsed,
    ZeroShotResult? ZeroShot,
    string? Checkpoint);
