using System.Globalization;
using System.Text.Json;
using ClipEngine.Clip;
using ClipEngine.Clip.Training;

namespace ClipEngine.Cli.Training;

/// <summary>
/// zeroshot.jsonl in the run directory: one line per evaluation set per evaluated step — step, set, top1, top5 —
/// so the held-out and the seen pairs of the built-in data are both kept (metrics.jsonl has the held-out set only).
/// </summary>
internal sealed class ZeroShotLog
{
    public const string FileName = "zeroshot.jsonl";

    public ZeroShotLog(string runDir, long? keepThroughStep)
    {
        Path = System.IO.Path.Combine(runDir, FileName);
        if (keepThroughStep is { } step && File.Exists(Path))
            AtomicFile.WriteAllText(Path, string.Concat(Read(Path).Where(e => e.Step <= step).Select(e => Line(e) + "\n")));
    }

    public string Path { get; }

    public void Append(long step, ZeroShotResult result) =>
        File.AppendAllText(Path, Line(new Entry(step, result.Name, result.Top1, result.Top5)) + "\n");

    /// <summary>The entries of a log; lines that do not parse (cut off by a crash) are passed over.</summary>
    public static List<Entry> Read(string path)
    {
        var entries = new List<Entry>();
        if (!File.Exists(path)) return entries;
        foreach (var line in File.ReadLines(path))
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                entries.Add(new Entry(root.GetProperty("step").GetInt64(), root.GetProperty("set").GetString() ?? "",
                    root.GetProperty("top1").GetDouble(), root.GetProperty("top5").GetDouble()));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
            }
        }
        return entries;
    }

    private static string Line(Entry e) => string.Create(CultureInfo.InvariantCulture,
        $"{{\"step\":{e.Step},\"set\":{JsonSerializer.Serialize(e.Set)},\"top1\":{e.Top1:R},\"top5\":{e.Top5:R}}}");

    public sealed record Entry(long Step, string Set, double Top1, double Top5);
}
