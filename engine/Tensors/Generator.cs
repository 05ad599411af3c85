using ClipEngine.Backends;

using System.Runtime.CompilerServices;

namespace ClipEngine;

/// <summary>
/// Reproducible random numbers: Philox4x32-10 (Salmon et al., 2011), a counter-based generator, so that element i
/// of a random tensor depends only on (seed, offset, i) and every device produces the same numbers.
/// Streams: a uniform tensor takes element i from lane i % 4 of block (offset + i / 4), as 24-bit fractions
/// u = (bits >> 8) · 2⁻²⁴ in [0, 1); a normal tensor takes elements 2j and 2j+1 from block (offset + j) by
/// Box–Muller on lanes 0 and 1 (u₁ taken from (0, 1]). Each call then advances the offset past the blocks it used.
/// </summary>
public sealed class Generator
{
    public Generator(ulong seed) => Seed = seed;

    public ulong Seed { get; }

    /// <summary>The next unused Philox block; saved in checkpoints so a resumed run draws the same numbers.</summary>
    public ulong Offset { get; set; }

    /// <summary>Returns the offset to use for a tensor of <paramref name="count"/> elements and moves past it.</summary>
    internal ulong Advance(long count, RandomDistribution distribution)
    {
        var perBlock = distribution == RandomDistribution.Uniform ? 4 : 2;
        var start = Offset;
        Offset += (ulong)((count + perBlock - 1) / perBlock);
        return start;
    }

    /// <summary>The four 32-bit outputs of block <paramref name="counter"/> under <paramref name="seed"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (uint, uint, uint, uint) Philox(ulong seed, ulong counter)
    {
        uint c0 = (uint)counter, c1 = (uint)(counter >> 32), c2 = 0, c3 = 0;
        uint k0 = (uint)seed, k1 = (uint)(seed >> 32);
        for (var round = 0; round < 10; round++)
        {
            var p0 = 0xD2511F53UL * c0;
            var p1 = 0xCD9E8D57UL * c2;
            var n0 = (uint)(p1 >> 32) ^ c1 ^ k0;
            var n2 = (uint)(p0 >> 32) ^ c3 ^ k1;
            c1 = (uint)p1;
            c3 = (uint)p0;
            c0 = n0;
            c2 = n2;
            k0 += 0x9E3779B9;
            k1 += 0xBB67AE85;
        }
        return (c0, c1, c2, c3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToUniform(uint bits) => (bits >> 8) * (1f / 16777216f);

    /// <summary>Box–Muller on two lanes of one block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (float, float) ToNormal(uint bits0, uint bits1)
    {
        var u1 = ((bits0 >> 8) + 1) * (1f / 16777216f);
        var u2 = ToUniform(bits1);
        var radius = MathF.Sqrt(-2f * MathF.Log(u1));
        var (sin, cos) = MathF.SinCos(2f * MathF.PI * u2);
        return (radius * cos, radius * sin);
    }
}
