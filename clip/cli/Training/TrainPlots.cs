using System.Text.Json;
using ScottPlot;

namespace ClipEngine.Cli.Training;

/// <summary>The PNG plots of a run, drawn from its logs: loss.png (loss per step) and zeroshot.png (top-1 per evaluated step and set, with the chance level).</summary>
internal static class TrainPlots
{
    public const string LossFile = "loss.png";
    public const string ZeroShotFile = "zeroshot.png";

    private const int Width = 900, Height = 500;

    /// <summary>Writes the plots into the run directory; returns the files written (zeroshot.png only when something was evaluated).</summary>
    public static IReadOnlyList<string> Write(string runDir, double? chanceLevel)
    {
        var written = new List<string>();
        var (steps, losses) = ReadLoss(Path.Combine(runDir, "metrics.jsonl"));
        if (steps.Count > 0)
        {
            var plot = new Plot();
            var line = plot.Add.ScatterLine(steps.ToArray(), losses.ToArray());
            line.LegendText = "contrastive loss";
            if (steps.Count >= 20)
            {
                var smooth = plot.Add.ScatterLine(steps.ToArray(), MovingAverage(losses, Math.Max(5, steps.Count / 40)));
                smooth.LegendText = "moving average";
                smooth.LineWidth = 2;
            }
            plot.Title("Training loss");
            plot.XLabel("step");
            plot.YLabel("loss");
            plot.ShowLegend();
            written.Add(Save(plot, Path.Combine(runDir, LossFile)));
        }

        var evaluations = ZeroShotLog.Read(Path.Combine(runDir, ZeroShotLog.FileName));
        if (evaluations.Count > 0)
        {
            var plot = new Plot();
            foreach (var set in evaluations.GroupBy(e => e.Set))
            {
                var scatter = plot.Add.Scatter(set.Select(e => (double)e.Step).ToArray(), set.Select(e => 100 * e.Top1).ToArray());
                scatter.LegendText = $"{set.Key} (top-1)";
            }
            if (chanceLevel is { } chance)
            {
                var chanceLine = plot.Add.HorizontalLine(100 * chance);
                chanceLine.LegendText = "chance";
                chanceLine.LinePattern = LinePattern.Dashed;
            }
            plot.Title("Zero-shot accuracy");
            plot.XLabel("step");
            plot.YLabel("top-1 accuracy (%)");
            plot.Axes.SetLimitsY(0, 100);
            plot.ShowLegend();
            written.Add(Save(plot, Path.Combine(runDir, ZeroShotFile)));
        }
        return written;
    }

    private static string Save(Plot plot, string path)
    {
        plot.SavePng(path, Width, Height);
        return path;
    }

    /// <summary>The finite losses of metrics.jsonl by step; unreadable lines are passed over.</summary>
    private static (List<double> Steps, List<double> Losses) ReadLoss(string path)
    {
        var steps = new List<double>();
        var losses = new List<double>();
        if (!File.Exists(path)) return (steps, losses);
        foreach (var line in File.ReadLines(path))
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (root.GetProperty("loss") is { ValueKind: JsonValueKind.Number } loss)
                {
                    steps.Add(root.GetProperty("step").GetInt64());
                    losses.Add(loss.GetDouble());
                }
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
            }
        }
        return (steps, losses);
    }

    private static double[] MovingAverage(List<double> values, int window)
    {
        var result = new double[values.Count];
        var sum = 0.0;
        for (var i = 0; i < values.Count; i++)
        {
            sum += values[i];
            if (i >= window) sum -= values[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }
}
