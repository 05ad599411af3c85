using System.Globalization;
using ClipEngine.Clip.Training;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ClipEngine.Cli.Training;

/// <summary>
/// Shows a run as it trains: on a terminal a live Spectre.Console view — a progress bar with elapsed and remaining
/// time, and under it the numbers metrics.jsonl gets (loss, lr, logit_scale, grad_norm, samples/s, data wait %) —
/// with zero-shot results and checkpoints printed above it; when the output is redirected (a file, a pipe, a test) the same numbers as plain
/// lines, about fifty per run. Zero-shot results also go to <see cref="ZeroShotLog"/>, the seen pairs of the
/// built-in data beside the held-out ones.
/// </summary>
internal sealed class TrainReporter(TextWriter output, bool live, ZeroShotLog zeroShotLog, ShapesZeroShotEvaluator? shapes, double? chanceLevel)
    : IProgress<TrainProgress>
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private const int BarWidth = 30;

    private IAnsiConsole? _console;
    private LiveDisplayContext? _live;
    private long _startStep;

    /// <summary>Runs <paramref name="train"/> with this reporter receiving its progress.</summary>
    public T Run<T>(long startStep, long totalSteps, Func<T> train)
    {
        if (!live) return train();
        _startStep = startStep;
        _console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        return _console.Live(View(startStep, totalSteps, TimeSpan.Zero, null)).AutoClear(false).Start(context =>
        {
            _live = context;
            return train();
        });
    }

    public void Report(TrainProgress value)
    {
        var r = value.Result;
        var numbers = string.Create(Inv,
            $"loss {r.Loss:F4}  lr {r.Lr:0.00e+00}  logit_scale {r.LogitScale:F3}  grad_norm {r.GradNorm:F3}  {value.SamplesPerSecond:F1} samples/s  data wait {value.DataWaitPercent:F1}%");
        if (r.Skipped) numbers += "  (skipped: NaN/Inf)";
        if (_live is not null)
        {
            _live.UpdateTarget(View(r.Step, value.TotalSteps, value.Elapsed, numbers));
        }
        else if (ShouldPrint(value))
        {
            output.WriteLine(string.Create(Inv, $"step {r.Step}/{value.TotalSteps}  {numbers}  elapsed {Clock(value.Elapsed)}"));
        }
        if (value.ZeroShot is { } zeroShot)
        {
            zeroShotLog.Append(r.Step, zeroShot);
            var line = $"zero-shot at step {r.Step}: {Describe(zeroShot)}";
            if (shapes?.LastSeen is { } seen)
            {
                zeroShotLog.Append(r.Step, seen);
                line += $"; {Describe(seen)}";
            }
            if (chanceLevel is { } chance) line += $" (chance top-1 {Percent(chance)})";
            Print(line);
        }
        if (value.Checkpoint is { } checkpoint) Print($"checkpoint: {checkpoint}");
    }

    public static string Describe(ZeroShotResult result) =>
        string.Create(Inv, $"{result.Name} top-1 {Percent(result.Top1)}, top-5 {Percent(result.Top5)} ({result.Samples} images, {result.Classes} classes)");

    /// <summary>A fraction as a percentage with one decimal: "37.5%".</summary>
    public static string Percent(double fraction, int decimals = 1) => (100 * fraction).ToString("F" + decimals, Inv) + "%";

    public static string Clock(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", Inv) : t.ToString(@"m\:ss", Inv);

    /// <summary>The live view: a bar with the step, elapsed and remaining time; below it the step's numbers.</summary>
    private IRenderable View(long step, long totalSteps, TimeSpan elapsed, string? numbers)
    {
        var fraction = totalSteps > 0 ? (double)step / totalSteps : 0;
        var filled = (int)Math.Round(fraction * BarWidth);
        var done = step - _startStep;
        var left = done > 0 ? Clock(elapsed / done * (totalSteps - step)) + " left" : "";
        var bar = string.Create(Inv,
            $"[green]{new string('━', filled)}[/][grey]{new string('━', BarWidth - filled)}[/] {100 * fraction,3:F0}%  step {step}/{totalSteps}  {Clock(elapsed)} elapsed  {left}");
        return new Rows(new Markup(bar), new Text(numbers ?? "starting…"));
    }

    private void Print(string line)
    {
        if (_console is not null) _console.MarkupLine(Markup.Escape(line));
        else output.WriteLine(line);
    }

    /// <summary>About fifty lines a run: every step of a short run, and always the first, the last, evaluated and skipped steps.</summary>
    private static bool ShouldPrint(TrainProgress value)
    {
        var every = Math.Max(1, value.TotalSteps / 50);
        var r = value.Result;
        return r.Step % every == 0 || r.Step == 1 || r.Step == value.TotalSteps || r.Skipped || value.ZeroShot is not null;
    }
}
