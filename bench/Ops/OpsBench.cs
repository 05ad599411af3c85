using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

namespace ClipEngine.Bench.Ops;

/// <summary>The `ops` verb: every op family on the Cpu backend, then its achieved GB/s from the minimum traffic.</summary>
public static class OpsBench
{
    public static int Run(string[] args)
    {
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(Job.ShortRun.WithWarmupCount(3).WithIterationCount(5));
        var summary = BenchmarkRunner.Run<OpsBenchmarks>(config, args);
        Console.WriteLine();
        Console.WriteLine($"{"op",-32} {"mean",12} {"GB/s (min traffic)",20}");
        foreach (var report in summary.Reports)
        {
            var name = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            if (report.ResultStatistics is not { } stats) continue;
            var seconds = stats.Mean * 1e-9;
            var rate = OpsBenchmarks.Bytes.TryGetValue(name, out var bytes) ? $"{bytes / seconds / 1e9,20:F1}" : "";
            Console.WriteLine($"{name,-32} {stats.Mean / 1e6,9:F3} ms {rate}");
        }
        return summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success) ? 1 : 0;
    }
}
