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

    private PhiloxStream _words;

    private DataRandom(ulong seed, DataRandomPurpose purpose, int epoch, ulong counterBase, ulong limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var key = PhiloxStream.Mix(PhiloxStream.Mix(seed + (ulong)purpose * 0x9E3779B97F4A7C15UL) + (ulong)epoch);
        _words = new PhiloxStream(key, counterBase, limit, $"one item used more than {BlocksPerItem} random blocks");
    }

    /// <summary>One unbounded stream per (seed, purpose, epoch): row orders, shard draws, the shuffle buffer.</summary>
    public static DataRandom ForEpoch(ulong seed, DataRandomPurpose purpose, int epoch) => new(seed, purpose, epoch, 0, ulong.MaxValue);

    /// <summary>The draws of one item (a sample's augmentation), independent of every other item's.</summary>
    public static DataRandom ForItem(ulong seed, DataRandomPurpose purpose, int epoch, long item)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(item);
        return new(seed, purpose, epoch, (ulong)item * BlocksPerItem, BlocksPerItem);
    }

    public uint NextUInt() => _words.NextUInt();

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
}

/// <summary>Independent streams from one seed, so that e.g. changing the shuffle buffer does not change the augmentations.</summary>
internal enum DataRandomPurpose : ulong
{
    RowOrder = 1,
    ShardOrder = 2,
    ShuffleBuffer = 3,
    Augmentation = 4,
}
