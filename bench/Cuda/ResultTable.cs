using System.Globalization;

namespace ClipEngine.Bench.Cuda;

/// <summary>
/// The rows of the results' Markdown table, one per benchmark: the median time, the achieved GB/s (and TFLOP/s where
/// flops are counted), the ceiling that bounds it, the share of that ceiling reached, and for memory-bound rows the
/// share of the measured device-to-device memcpy bandwidth. The ceiling is the roofline's: the larger of bytes over
/// peak bandwidth and flops over the unit's peak is the least time the hardware allows, and "% of ceiling" is that
/// time over the measured one.
/// </summary>
public static class ResultTable
{
    public const string Header = "| benchmark | shape | reps | median µs | GB/s | TFLOP/s | ceiling | % of ceiling | % of memcpy |";

    public const string Separator = "|---|---|---:|---:|---:|---:|---|---:|---:|";

    /// <summary>
    /// One result's row; <paramref name="copyBandwidth"/> is the measured memcpy's bytes per second (null when it
    /// failed), against which memory-bound rows are also read.
    /// </summary>
    public static string Row(BenchResult r, DeviceCeilings ceilings, double? copyBandwidth)
    {
        if (r.Failed) return Cells(r.Name, r.Shape, "-", $"FAILED: {r.Error!.ReplaceLineEndings(" ").Replace('|', '/')}", "", "", "", "", "");
        var (ceiling, least, memoryBound) = Roofline(r.Work, ceilings);
        return Cells(
            r.Name,
            r.Shape,
            r.Reps.ToString(CultureInfo.InvariantCulture),
            Number(r.MedianSeconds * 1e6, 1),
            Number(r.BytesPerSecond / 1e9, 0),
            r.Work.Flops > 0 ? Number(r.FlopsPerSecond / 1e12, 2) : "-",
            ceiling,
            least is { } t ? Number(100 * t / r.MedianSeconds, 1) : "-",
            memoryBound && copyBandwidth is { } copy ? Number(100 * r.BytesPerSecond / copy, 1) : "-");
    }

    private static string Cells(params string[] cells) => $"| {string.Join(" | ", cells)} |";

    /// <summary>The bounding ceiling's label, the least time it allows (null when not known), and whether it is memory.</summary>
    private static (string Label, double? LeastSeconds, bool Memory) Roofline(Work work, DeviceCeilings ceilings)
    {
        double? memory = ceilings.MemoryBandwidth is { } bandwidth ? work.Bytes / bandwidth : null;
        if (work.Unit == ComputeUnit.None || work.Flops <= 0)
            return memory is null ? ("memory: peak unknown", null, true) : ($"memory {Number(ceilings.MemoryBandwidth!.Value / 1e9, 0)} GB/s", memory, true);
        var unit = work.Unit.ToString().ToUpperInvariant();
        if (ceilings.Peak(work.Unit) is not { } peak) return ($"{unit}: peak unknown", null, false);
        var compute = work.Flops / peak;
        return memory > compute
            ? ($"memory {Number(ceilings.MemoryBandwidth!.Value / 1e9, 0)} GB/s", memory, true)
            : ($"{unit} {Number(peak / 1e12, 1)} TFLOP/s", compute, false);
    }

    private static string Number(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);
}
