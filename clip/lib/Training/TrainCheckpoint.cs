using System.Globalization;
using System.Text.Json;

namespace ClipEngine.Clip.Training;

/// <summary>
/// A run's checkpoints: <c>{run}/checkpoints/step-{N}/</c> holding model.safetensors (OpenAI names, the config in
/// the metadata: loadable by <see cref="ClipModel.FromStateDict"/>), optimizer.safetensors (AdamW's m, v and step
/// per parameter), trainer.json and a copy of the tokenizer file; and <c>checkpoints/latest</c> naming the newest.
/// A checkpoint is built in a hidden temporary directory, renamed into place, and only then made latest, so a
/// crash at any moment leaves the previous checkpoint whole and still the one resumed from.
/// </summary>
public static class TrainCheckpoint
{
    public const string ModelFile = "model.safetensors";
    public const string OptimizerFile = "optimizer.safetensors";
    public const string StateFile = "trainer.json";
    public const string LatestFile = "latest";

    private const int MaxStateBytes = 1 << 20;

    public static string Directory(string runDir) => Path.Combine(runDir, "checkpoints");

    /// <summary>The newest complete checkpoint of a run directory, or null when it has none.</summary>
    public static string? FindLatest(string runDir)
    {
        var latest = Path.Combine(Directory(runDir), LatestFile);
        if (!File.Exists(latest)) return null;
        var name = File.ReadAllText(latest).Trim();
        if (name.Length == 0 || name.Length > 64 || name != Path.GetFileName(name))
            throw new InvalidDataException($"{latest}: expected a checkpoint directory name, got \"{(name.Length > 64 ? name[..64] + "…" : name)}\"");
        var directory = Path.Combine(Directory(runDir), name);
        return System.IO.Directory.Exists(directory) ? directory : throw new DirectoryNotFoundException($"{latest} names {name}, which does not exist");
    }

    /// <summary>
    /// Writes the trainer's checkpoint at its current step and makes it latest; returns its directory.
    /// <paramref name="afterFile"/> sees each file once written (tests use it to simulate a crash mid-write).
    /// </summary>
    internal static string Save(string runDir, Trainer trainer, DataPosition? position, Action<string>? afterFile = null)
    {
        var root = Directory(runDir);
        System.IO.Directory.CreateDirectory(root);
        var name = string.Create(CultureInfo.InvariantCulture, $"step-{trainer.Step:D8}");
        var final = Path.Combine(root, name);
        var latest = FindLatest(runDir);
        if (latest is not null && Path.GetFileName(latest) == name)
            throw new InvalidOperationException($"{final} is already the latest checkpoint; it is not overwritten");
        var temp = Path.Combine(root, $".{name}.{Guid.NewGuid():N}.tmp");
        System.IO.Directory.CreateDirectory(temp);
        try
        {
            trainer.WriteCheckpointFiles(temp, position, afterFile ?? (_ => { }));
            // A directory of that name that is not latest is an unfinished leftover of an earlier attempt.
            if (System.IO.Directory.Exists(final)) System.IO.Directory.Delete(final, recursive: true);
            System.IO.Directory.Move(temp, final);
        }
        catch
        {
            TryDeleteDirectory(temp);
            throw;
        }
        AtomicFile.WriteAllText(Path.Combine(root, LatestFile), name);
        return final;
    }

    internal static TrainerState ReadState(string checkpointDir)
    {
        var path = Path.Combine(checkpointDir, StateFile);
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"checkpoint {checkpointDir} has no {StateFile}", path);
        if (info.Length > MaxStateBytes) throw new InvalidDataException($"{path} is larger than {MaxStateBytes} bytes");
        TrainerState state;
        try
        {
            state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), TrainOptions.JsonOptions)
                ?? throw new InvalidDataException($"{path} holds null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        if (state.FormatVersion != TrainerState.CurrentFormatVersion)
            throw new InvalidDataException($"{path}: format_version {state.FormatVersion}; this build reads {TrainerState.CurrentFormatVersion}");
        if (state.Step < 0 || state.Step > state.TotalSteps)
            throw new InvalidDataException($"{path}: step {state.Step} is outside the run's {state.TotalSteps} steps");
        return state;
    }

    internal static string StateJson(TrainerState state) => JsonSerializer.Serialize(state, TrainOptions.JsonOptions);

    // Best effort: a failure to clean up must not hide the error that made the save fail.
    private static void TryDeleteDirectory(string path)
    {
        try
        {
            System.IO.Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
