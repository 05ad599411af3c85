namespace ClipEngine.Clip.Data;

/// <summary>
/// The 32-bit words of Philox4x32-10 (<see cref="Generator.Philox"/>) under one key at counters
/// [start, start + blocks), four words a block, in order. Running past the last block is an error rather than a
/// walk into the counters of the next item's stream.
/// </summary>
internal struct PhiloxStream
{
    private readonly ulong _key;
    private readonly ulong _start;
    private readonly ulong _blocks;
    private readonly string _exhausted;
    private ulong _block;
    private int _lane;
    private (uint, uint, uint, uint) _bits;

    /// <param name="exhausted">The error's message when more than <paramref name="blocks"/> blocks are drawn.</param>
    public PhiloxStream(ulong key, ulong start, ulong blocks, string exhausted)
    {
        _key = key;
        _start = start;
        _blocks = blocks;
        _exhausted = exhausted;
        _lane = 4;
    }

    public uint NextUInt()
    {
        if (_lane == 4)
        {
            if (_block == _blocks) throw new InvalidOperationException(_exhausted);
            _bits = Generator.Philox(_key, _start + _block++);
            _lane = 0;
        }
        return _lane++ switch
        {
            0 => _bits.Item1,
            1 => _bits.Item2,
            2 => _bits.Item3,
            _ => _bits.Item4,
        };
    }

    /// <summary>SplitMix64's finaliser, which turns a seed and stream numbers into well-spread Philox keys.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
