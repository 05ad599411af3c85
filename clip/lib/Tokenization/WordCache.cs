using System.Collections.Concurrent;

namespace ClipEngine.Clip.Tokenization;

/// <summary>
/// Thread-safe word → token ids cache, looked up by span so that a hit allocates nothing. Bounded: when it has taken
/// <see cref="Capacity"/> words it starts again empty, which keeps memory flat on endless streams of new words while
/// a caption corpus's vocabulary (tens of thousands of words) stays cached.
/// </summary>
internal sealed class WordCache
{
    public const int Capacity = 1 << 18;

    private readonly ConcurrentDictionary<string, int[]> _words = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private int _added;

    public WordCache() => _lookup = _words.GetAlternateLookup<ReadOnlySpan<char>>();

    public bool TryGet(ReadOnlySpan<char> word, out int[] ids) => _lookup.TryGetValue(word, out ids!);

    public void Add(ReadOnlySpan<char> word, int[] ids)
    {
        if (Interlocked.Increment(ref _added) > Capacity)
        {
            _words.Clear();
            Interlocked.Exchange(ref _added, 1);
        }
        _lookup.TryAdd(word, ids);
    }

    public void Clear()
    {
        _words.Clear();
        Interlocked.Exchange(ref _added, 0);
    }
}
