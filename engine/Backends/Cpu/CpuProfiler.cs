using System.Collections.Concurrent;
using System.Diagnostics;

namespace ClipEngine.Backends.Cpu;

/// <summary>
/// Wall time and call count per backend op, for finding hotspots (the bench's train-step verb prints it). Off unless
/// the environment variable CLIPENGINE_CPU_PROFILE is 1 or a caller sets <see cref="Enabled"/>; when off an op pays one
/// static load and branch. Only the outermost backend call of a thread is timed, so an op that calls another op
/// (a Gemm inside a kernel) is counted once, under its own name.
/// </summary>
internal static class CpuProfiler
{
    public static bool Enabled { get; set; } = Environment.GetEnvironmentVariable("CLIPENGINE_CPU_PROFILE") == "1";

    private static readonly ConcurrentDictionary<string, Entry> Entries = new(StringComparer.Ordinal);

    [ThreadStatic]
    private static int _depth;

    /// <summary>Times the enclosing op until the returned scope is disposed.</summary>
    public static Scope Time(string op) => Enabled ? new Scope(op) : default;

    /// <summary>Times "family.op" (Unary.Gelu, Binary.Add, …); the name is only built while profiling.</summary>
    public static Scope Time<TOp>(string family, TOp op) where TOp : struct, Enum =>
        Enabled ? new Scope(family + "." + op.ToString()) : default;

    /// <summary>(op, calls, total milliseconds) for every op timed since the last <see cref="Reset"/>, slowest first.</summary>
    public static IReadOnlyList<(string Op, long Calls, double Milliseconds)> Snapshot() =>
        [.. Entries.Select(e => (e.Key, e.Value.Calls, e.Value.Ticks * 1000.0 / Stopwatch.Frequency)).OrderByDescending(e => e.Item3)];

    public static void Reset() => Entries.Clear();

    private sealed class Entry
    {
        public long Calls;
        public long Ticks;
    }

    public readonly struct Scope : IDisposable
    {
        private readonly string? _op;
        private readonly long _start;
        private readonly bool _counted;

        public Scope(string op)
        {
            _counted = true;
            if (_depth++ > 0) return;
            _op = op;
            _start = Stopwatch.GetTimestamp();
        }

        public void Dispose()
        {
            if (!_counted) return;
            _depth--;
            if (_op is null) return;
            var elapsed = Stopwatch.GetTimestamp() - _start;
            var entry = Entries.GetOrAdd(_op, _ => new Entry());
            Interlocked.Increment(ref entry.Calls);
            Interlocked.Add(ref entry.Ticks, elapsed);
        }
    }
}
