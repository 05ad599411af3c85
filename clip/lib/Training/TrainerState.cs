namespace ClipEngine.Clip.Training;

/// <summary>
/// A checkpoint's trainer.json: where the run stands (step, bad-step streak, learning-rate schedule position),
/// where the data stands, and the options that configured the run. The trainer draws no random numbers after the
/// model's initialisation (from <see cref="TrainOptions.Seed"/>); the data's shuffling state is in the data position.
/// </summary>
internal sealed record TrainerState
{
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>Optimizer steps taken; also the schedule's position (the next step uses LrAt(Step)).</summary>
    public long Step { get; init; }

    public long TotalSteps { get; init; }

    public int ConsecutiveBadSteps { get; init; }

    /// <summary>The learning rate of the next step, for people reading the file.</summary>
    public double NextLr { get; init; }

    public DataPosition? DataPosition { get; init; }

    /// <summary>The tokenizer's file name inside the checkpoint directory, when the run has one.</summary>
    public string? Tokenizer { get; init; }

    public required TrainOptions Options { get; init; }
}
