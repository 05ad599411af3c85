using System.Text;
using System.Text.Json;

namespace ClipEngine.Clip.Training;

/// <summary>
/// metrics.jsonl: one JSON object per logged step — step, loss, lr, logit_scale, grad_norm, samples_per_s,
/// data_wait_pct, skipped, and zeroshot_top1 / zeroshot_top5 on steps that were evaluated. NaN and infinite values
/// are written as the strings "NaN", "Infinity", "-Infinity" (JSON has no such numbers). Each line is flushed as written.
/// </summary>
internal sealed class MetricsLog : IDisposable
{
    public const string FileName = "metrics.jsonl";

    private readonly StreamWriter _writer;

    /// <summary>Opens the run's log for appending; when resuming from <paramref name="keepThroughStep"/>, lines of later steps (written after that checkpoint) are dropped first.</summary>
    public MetricsLog(string runDir, long? keepThroughStep)
    {
        Path = System.IO.Path.Combine(runDir, FileName);
        if (keepThroughStep is { } step && File.Exists(Path))
            AtomicFile.WriteAllText(Path, string.Concat(File.ReadLines(Path).Where(line => StepOf(line) <= step).Select(line => line + "\n")));
        _writer = new StreamWriter(Path, append: true, new UTF8Encoding(false));
    }

    public string Path { get; }

    public void Write(StepResult result, double samplesPerSecond, double dataWaitPercent, ZeroShotResult? zeroShot)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("step", result.Step);
            Number(w, "loss", result.Loss);
            Number(w, "lr", result.Lr);
            Number(w, "logit_scale", result.LogitScale);
            Number(w, "grad_norm", result.GradNorm);
            Number(w, "samples_per_s", samplesPerSecond);
            Number(w, "data_wait_pct", dataWaitPercent);
            w.WriteBoolean("skipped", result.Skipped);
            if (zeroShot is not null)
            {
                Number(w, "zeroshot_top1", zeroShot.Top1);
                Number(w, "zeroshot_top5", zeroShot.Top5);
            }
            w.WriteEndObject();
        }
        _writer.Write(Encoding.UTF8.GetString(buffer.ToArray()));
        _writer.Write('\n');
        _writer.Flush();
    }

    public void Dispose() => _writer.Dispose();

    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteString(name, double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
    }

    private static void Number(Utf8JsonWriter w, string name, float value)
    {
        if (float.IsFinite(value)) w.WriteNumber(name, value);
        else Number(w, name, (double)value);
    }

    /// <summary>A line's step; a line that cannot be read (cut off by a crash) counts as past every checkpoint.</summary>
    private static long StepOf(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.TryGetProperty("step", out var step) && step.TryGetInt64(out var value) ? value : long.MaxValue;
        }
        catch (JsonException)
        {
            return long.MaxValue;
        }
    }
}
