using System.Globalization;
using ClipEngine.Clip.Training;

namespace ClipEngine.Cli.Training;

/// <summary>Where runs live: new run directories under runs/, the run <c>--resume latest</c> means, and the model file and tokenizer of a run or checkpoint.</summary>
internal static class RunPaths
{
    public const string RunsRoot = "runs";

    /// <summary>runs/&lt;yyyyMMdd-HHmmss&gt; (with -2, -3, … when taken).</summary>
    public static string NewRunDirectory()
    {
        var stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var path = Path.Combine(RunsRoot, stamp);
        for (var n = 2; Directory.Exists(path); n++) path = Path.Combine(RunsRoot, string.Create(CultureInfo.InvariantCulture, $"{stamp}-{n}"));
        return path;
    }

    /// <summary>The run directory of <c>--resume</c>: the one given, or for "latest" the run under runs/ whose latest checkpoint was written last.</summary>
    public static string ResolveResume(string value)
    {
        if (value != "latest")
        {
            if (!Directory.Exists(value)) throw new UsageException($"--resume: {value} is not a directory (give a run directory, or 'latest')");
            return value;
        }
        var latest = Directory.Exists(RunsRoot)
            ? new DirectoryInfo(RunsRoot).GetDirectories()
                .Select(d => (Dir: d.FullName, Marker: new FileInfo(Path.Combine(TrainCheckpoint.Directory(d.FullName), TrainCheckpoint.LatestFile))))
                .Where(r => r.Marker.Exists)
                .MaxBy(r => r.Marker.LastWriteTimeUtc)
            : default;
        return latest.Dir ?? throw new UsageException($"--resume latest: no run with a checkpoint under {Path.GetFullPath(RunsRoot)}");
    }

    /// <summary>
    /// The model file of <c>--model</c>: a file as given; a run directory's latest checkpoint's model.safetensors;
    /// a checkpoint directory's model.safetensors.
    /// </summary>
    public static string ModelFile(string value)
    {
        if (File.Exists(value)) return value;
        if (!Directory.Exists(value)) throw new FileNotFoundException($"--model: {value} does not exist", value);
        var checkpoint = TrainCheckpoint.FindLatest(value) ?? value;
        var model = Path.Combine(checkpoint, TrainCheckpoint.ModelFile);
        return File.Exists(model) ? model
            : throw new FileNotFoundException($"--model: {value} is neither a run directory (with checkpoints/latest) nor a checkpoint directory (with {TrainCheckpoint.ModelFile})", model);
    }

    /// <summary>The tokenizer a training checkpoint carries beside its model file (tokenizer.*), or null.</summary>
    public static string? TokenizerBeside(string modelFile)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(modelFile))!;
        return Directory.EnumerateFiles(directory, "tokenizer.*").Order(StringComparer.Ordinal).FirstOrDefault();
    }
}
