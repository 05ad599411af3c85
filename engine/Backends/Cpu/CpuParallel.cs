namespace ClipEngine.Backends.Cpu;

/// <summary>
/// Splits [0, count) into contiguous chunks across the cores, but only when there is enough work
/// (elements × cost) to repay the cost of waking threads; small ops run inline on the caller.
/// </summary>
internal static class CpuParallel
{
    /// <summary>Below this many element-operations an op runs single-threaded.</summary>
    private const long MinWorkPerThread = 32_768;

    public static void For(long count, long workPerItem, Action<long, long> body)
    {
        var threads = (int)Math.Min(Environment.ProcessorCount, count * Math.Max(workPerItem, 1) / MinWorkPerThread);
        if (threads <= 1 || count < 2)
        {
            body(0, count);
            return;
        }
        threads = (int)Math.Min(threads, count);
        Parallel.For(0, threads, t =>
        {
            var start = count * t / threads;
            var end = count * (t + 1) / threads;
            body(start, end);
        });
    }
}
