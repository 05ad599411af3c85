namespace ClipEngine.Clip.Training;

/// <summary>
/// How a run ended: where its files are, the steps taken, the last step's numbers, the last zero-shot result,
/// whether it reached its final step (false when cancelled, after saving a checkpoint to resume from), and what
/// precision it actually computed in.
/// </summary>
public sealed record TrainResult(
    string RunDirectory,
    string Checkpoint,
    string MetricsFile,
    long Steps,
    long TotalSteps,
    StepResult? Last,
    ZeroShotResult? ZeroShot,
    bool Completed,
    string Precision);
