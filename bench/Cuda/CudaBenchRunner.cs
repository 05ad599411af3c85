using ClipEngine.Backends;
using ClipEngine.Backends.Cuda;

namespace ClipEngine.Bench.Cuda;

/// <summary>
/// Times benchmarks on one backend's stream with CUDA events (<see cref="CudaTimer"/>): warm-up launches, one launch
/// to choose the repetition count, then the timed launches, each after an L2 flush, all queued before any is read so
/// the host stays ahead of the device and the flush hides the launch latency; the median is kept.
/// </summary>
public sealed class CudaBenchRunner : IDisposable
{
    private readonly CudaBackend _backend;
    private readonly CudaBenchOptions _options;
    private readonly Tensor _flush;
    private readonly CudaTimer[] _timers;

    /// <param name="backend">The backend that <see cref="BackendRegistry"/> gives for its device, which the benchmarks' tensors are made on.</param>
    public CudaBenchRunner(CudaBackend backend, CudaBenchOptions options)
    {
        if (!ReferenceEquals(BackendRegistry.For(backend.Device), backend))
            throw new ArgumentException($"the backend is not the one registered for {backend.Device}, where the benchmarks' tensors would be made", nameof(backend));
        _backend = backend;
        _options = options;
        // Twice the L2 leaves none of the last launch's lines in it; 4 MiB stands in for an L2 the device does not report.
        FlushBytes = options.FlushBytes > 0 ? options.FlushBytes : 2L * Math.Max(backend.Driver.Device.L2CacheBytes, 4 << 20);
        _flush = Tensor.Empty([checked((int)(FlushBytes / sizeof(float)))], DType.F32, backend.Device);
        _timers = [.. Enumerable.Range(0, options.MaxReps).Select(_ => backend.CreateTimer())];
    }

    /// <summary>The bytes written before each timed launch to evict what the previous launch left in L2.</summary>
    public long FlushBytes { get; }

    /// <summary>Runs one benchmark; a failure is returned as a result with its error, not thrown.</summary>
    public BenchResult Run(CudaBenchCase bench)
    {
        var work = default(Work);
        try
        {
            BenchResult result;
            using (var tensors = new BenchTensors(_backend))
            {
                var launch = bench.Prepare(tensors);
                work = launch.Work;
                for (var i = 0; i < _options.Warmup; i++) launch.Run();
                var reps = _options.RepsFor(Time(launch.Run, 1)[0]);
                var times = Time(launch.Run, reps);
                Array.Sort(times);
                var median = reps % 2 == 1 ? times[reps / 2] : (times[reps / 2 - 1] + times[reps / 2]) / 2;
                result = new BenchResult(bench.Name, bench.Shape, work, reps, median);
            }
            // A benchmark's buffers (up to GiBs) go back to the driver before the next one allocates its own.
            _backend.Synchronize();
            _backend.Allocator.Trim();
            return result;
        }
        catch (Exception e) when (e is CudaException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            return new BenchResult(bench.Name, bench.Shape, work, 0, double.NaN, $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Seconds of device time of each of <paramref name="count"/> launches.</summary>
    private double[] Time(Action launch, int count)
    {
        var flush = ((CudaStorage)_flush.Storage).Pointer;
        for (var r = 0; r < count; r++)
        {
            _backend.Driver.MemsetAsync(flush, 0, FlushBytes, _backend.Stream);
            _timers[r].Start();
            launch();
            _timers[r].Stop();
        }
        return [.. _timers.Take(count).Select(t => t.ElapsedMilliseconds / 1e3)];
    }

    public void Dispose()
    {
        foreach (var timer in _timers) timer.Dispose();
        _flush.Dispose();
    }
}
