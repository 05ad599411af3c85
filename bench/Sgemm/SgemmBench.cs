using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using ClipEngine.Bench.Peak;

namespace ClipEngine.Bench.Sgemm;

/// <summary>The `sgemm` verb: every shape on all cores and on one core, with GFLOP/s and % of the measured peak.</summary>
public static class SgemmBench
{
    private const string ThreadsVariable = "DOTNET_PROCESSOR_COUNT";

    public static int Run(string[] args)
    {
        // Measured first, while this process has nothing else running, so the % columns use this machine's clock.
        PeakProbe.Result peak = PeakProbe.Measure();
        Console.WriteLine($"clock {peak.ClockGHz:F3} GHz (1 core busy), {peak.AllCoreGHz:F3} GHz (all busy); " +
            $"fp32 peak {peak.SingleCorePeakGflops:F1} GFLOP/s per core, {peak.PeakGflops:F1} GFLOP/s on {peak.Cores}");

        // Short runs: a handful of iterations is enough for kernels this steady, and keeps the whole verb to minutes.
        Job baseJob = Job.ShortRun.WithWarmupCount(3).WithIterationCount(5);
        IConfig config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(baseJob.WithId($"{peak.Cores} threads"))
            // The runtime reads the processor count from this variable, and Sgemm sizes its parallelism from that.
            .AddJob(baseJob.WithEnvironmentVariable(ThreadsVariable, "1").WithId("1 thread"))
            .AddColumn(new RateColumn(best: false), new RateColumn(best: true), new PeakColumn(peak))
            .HideColumns(Column.Error, Column.StdDev, Column.Median, "EnvironmentVariables")
            .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(40));

        Summary summary = BenchmarkRunner.Run<SgemmBenchmarks>(config, args);
        return summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success) ? 1 : 0;
    }

    private static int Threads(BenchmarkCase benchmarkCase, PeakProbe.Result peak)
    {
        foreach (var variable in benchmarkCase.Job.Environment.EnvironmentVariables ?? [])
        {
            if (variable.Key == ThreadsVariable)
            {
                return int.Parse(variable.Value);
            }
        }
        return peak.Cores;
    }

    private static double? Gflops(Summary summary, BenchmarkCase benchmarkCase, bool best)
    {
        var stats = summary[benchmarkCase]?.ResultStatistics;
        var shape = (GemmShape)benchmarkCase.Parameters["Shape"];
        return stats is null ? null : shape.Flops / (best ? stats.Min : stats.Mean);
    }

    private abstract class SimpleColumn(string id, string name, string legend) : IColumn
    {
        public string Id => id;
        public string ColumnName => name;
        public string Legend => legend;
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
        public abstract string GetValue(Summary summary, BenchmarkCase benchmarkCase);
    }

    private sealed class RateColumn(bool best) : SimpleColumn(
        best ? "GflopsBest" : "Gflops", best ? "GFLOP/s (min time)" : "GFLOP/s",
        best ? "2*M*N*K / fastest iteration" : "2*M*N*K / mean time")
    {
        public override string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
            Gflops(summary, benchmarkCase, best) is double g ? g.ToString("F1") : "-";
    }

    private sealed class PeakColumn(PeakProbe.Result peak) : SimpleColumn(
        "PercentPeak", "% of peak", "mean GFLOP/s over the measured fp32 peak of the cores the job may use")
    {
        public override string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            int threads = Threads(benchmarkCase, peak);
            double peakGflops = threads == 1 ? peak.SingleCorePeakGflops : peak.PeakGflops * threads / peak.Cores;
            return Gflops(summary, benchmarkCase, best: false) is double g ? (100 * g / peakGflops).ToString("F1") : "-";
        }
    }
}
