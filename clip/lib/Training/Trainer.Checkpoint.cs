using ClipEngine.IO;

namespace ClipEngine.Clip.Training;

// The trainer's side of checkpoints: which files hold what, written into a directory and read back.
public sealed partial class Trainer
{
    /// <summary>Writes the model, the optimizer state, trainer.json and the tokenizer copy into <paramref name="directory"/>.</summary>
    internal void WriteCheckpointFiles(string directory, DataPosition? position, Action<string> afterFile)
    {
        var modelPath = Path.Combine(directory, TrainCheckpoint.ModelFile);
        Model.SaveSafeTensors(modelPath, new Dictionary<string, string> { ["config"] = Model.Config.ToJson() });
        afterFile(modelPath);

        var optimizerPath = Path.Combine(directory, TrainCheckpoint.OptimizerFile);
        var optimizerState = _optimizer.StateDict();
        try
        {
            SafeTensors.Save(optimizerPath, optimizerState);
        }
        finally
        {
            foreach (var t in optimizerState.Values) t.Dispose();
        }
        afterFile(optimizerPath);

        string? tokenizer = null;
        if (Options.Tokenizer is { } tokenizerPath)
        {
            tokenizer = "tokenizer" + Path.GetExtension(tokenizerPath);
            File.Copy(tokenizerPath, Path.Combine(directory, tokenizer));
            afterFile(Path.Combine(directory, tokenizer));
        }

        var state = new TrainerState
        {
            Step = Step,
            TotalSteps = TotalSteps,
            ConsecutiveBadSteps = ConsecutiveBadSteps,
            NextLr = Schedule.LrAt(Step),
            DataPosition = position,
            Tokenizer = tokenizer,
            Options = Options,
        };
        var statePath = Path.Combine(directory, TrainCheckpoint.StateFile);
        AtomicFile.WriteAllText(statePath, TrainCheckpoint.StateJson(state));
        afterFile(statePath);
    }

    /// <summary>Restores the model, the optimizer state and the step from a checkpoint this trainer's configuration wrote.</summary>
    internal void LoadCheckpoint(string directory, TrainerState state)
    {
        if (state.TotalSteps != TotalSteps)
            throw new InvalidDataException($"checkpoint {directory} belongs to a run of {state.TotalSteps} steps, this trainer runs {TotalSteps}");
        Model.LoadSafeTensors(Path.Combine(directory, TrainCheckpoint.ModelFile));
        var optimizerState = SafeTensors.Load(Path.Combine(directory, TrainCheckpoint.OptimizerFile));
        try
        {
            _optimizer.LoadStateDict(optimizerState);
        }
        finally
        {
            foreach (var t in optimizerState.Values) t.Dispose();
        }
        Step = state.Step;
        ConsecutiveBadSteps = state.ConsecutiveBadSteps;
    }
}
