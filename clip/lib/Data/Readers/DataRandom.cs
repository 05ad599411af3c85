namespace ClipEngine.Clip.Data;

/// <summary>
/// Seeded random draws for the readers and augmentations: Philox4x32-10 (<see cref="Generator.Philox"/>) keyed by
/// (seed, purpose, epoch) and counted from a per-item base, so that a draw depends on those values alone — not on
/// threads, timing, or how many other items were drawn before — and a resumed run repeats it exactly.
/// </summary>
internal struct DataRandom
{
    /// <summary>Blocks (four 32-bit words each) one item may use before its counters would meet the next item's.</summary>
    public const int BlocksPerItem = 1 << 16;

    private readonly ulong _key;
    private readonly ulong _base;
    private readonly ulong _limit;
    private ulong _block;
    private int _lane;
    private (uint, uint, uint, uint) _bits;

    private DataRandom(ulong seed, DataRandomPurpose purpose, int epoch, ulong counterBase, ulong limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        _key = Mix(Mix(seed + (ulong)purpose * 0x9E3779B97F4A7C15UL) + (ulong)epoch);
        _base = counterBase;
        _limit = limit;
        _lane = 4;
    }

    /// <summary>One unbounded stream per (seed, purpose, epoch): row orders, shard draws, the shuffle buffer.</summary>
    public static DataRandom ForEpoch(ulong seed, DataRandomPurpose purpose, int epoch) => new(seed, purpose, epoch, 0, ulong.MaxValue);

    /// <summary>The draws of one item (a sample's augmentation), independent of every other item's.</summary>
    public static DataRandom ForItem(ulong seed, DataRandomPurpose purpose, int epoch, long item)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(item);
        return new(seed, purpose, epoch, (ulong)item * BlocksPerItem, BlocksPerItem);
    }

    public uint NextUInt()
    {
        if (_lane == 4)
        {
            if (_block == _limit) throw new InvalidOperationException($"one item used more than {BlocksPerItem} random blocks");
            _bits = Generator.Philox(_key, _base + _block++);
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

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => ((((ulong)NextUInt() << 32) | NextUInt()) >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [low, high).</summary>
    public double Uniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>Uniform integer in [0, n); the bias of the multiply-shift is below n / 2⁶⁴.</summary>
    public long NextInt(long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        var r = ((ulong)NextUInt() << 32) | NextUInt();
        return (long)(((UInt128)r * (ulong)n) >> 64);
    }

    /// <summary>Fisher–Yates: a uniformly random permutation of 0 … n − 1.</summary>
    public int[] Permutation(int n)
    {
        var order = new int[n];
        for (var i = 0; i < n; i++) order[i] = i;
        for (var i = n - 1; i > 0; i--)
        {
            var j = (int)NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>SplitMix64's finaliser.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>Independent streams from one seed, so that e.g. changing the shuffle buffer does not change the augmentations.</summary>
internal enum DataRandomPurpose : ulong
{
    RowOrder = 1,
    ShardOrder = 2,
    ShuffleBuffer = 3,
    Augmentation = 4,
}
