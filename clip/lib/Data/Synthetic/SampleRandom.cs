namespace ClipEngine.Clip.Data;

/// <summary>
/// The random draws of one sample: Philox4x32-10 (<see cref="Generator.Philox"/>) keyed by the dataset seed mixed with
/// a stream (training, evaluation splits), at counters (index · 2²⁰ + block), so that sample i depends on (seed, i)
/// alone and any sample can be made without making the ones before it. Blocks below <see cref="NoiseBlock"/> feed
/// the scene's draws in order; the pixel noise starts at <see cref="NoiseBlock"/>, four pixels a block.
/// </summary>
internal struct SampleRandom
{
    public const int NoiseBlock = 256;

    /// <summary>Samples per stream; past it the counters of consecutive samples would overlap.</summary>
    public const long MaxIndex = 1L << 44;

    private readonly ulong _key;
    private readonly ulong _base;
    private PhiloxStream _scene;

    public SampleRandom(ulong key, long index)
    {
        if ((ulong)index >= MaxIndex) throw new ArgumentOutOfRangeException(nameof(index), index, "a sample index is in [0, 2^44)");
        _key = key;
        _base = (ulong)index << 20;
        _scene = new PhiloxStream(key, _base, NoiseBlock, "a synthetic scene used up its random draws");
    }

    /// <summary>The Philox key of a stream: the seed and stream number mixed by SplitMix64's finaliser.</summary>
    public static ulong Key(ulong seed, ulong stream) => PhiloxStream.Mix(seed + (stream + 1) * 0x9E3779B97F4A7C15UL);

    public uint NextUInt() => _scene.NextUInt();

    /// <summary>Uniform in [0, 1).</summary>
    public float NextFloat() => Generator.ToUniform(NextUInt());

    public float Range(float low, float high) => low + (high - low) * NextFloat();

    /// <summary>Uniform in [0, count) by Lemire's multiply-shift (bias below 2⁻³² · count).</summary>
    public int Next(int count) => (int)((ulong)NextUInt() * (ulong)count >> 32);

    public bool Chance(float probability) => NextFloat() < probability;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>The four noise draws of pixel block <paramref name="block"/> (pixels 4·block … 4·block + 3).</summary>
    public readonly (uint, uint, uint, uint) NoiseBits(int block) => Generator.Philox(_key, _base + NoiseBlock + (ulong)block);
}
