using System.Runtime.InteropServices;
using ClipEngine.Backends.Cpu;

namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;

/// <summary>Every cast kernel against the Cpu backend's conversions, bit for bit (NaN payloads aside).</summary>
[Collection(CudaTestDevice.Collection)]
public class CudaCastTests
{
    /// <summary>Floats whose rounding is easy to get wrong, as bit patterns.</summary>
    private static readonly uint[] SpecialFloats =
    [
        0x00000000, 0x80000000, 0x3F800000, 0xBF800000,
        0x3F808000, 0x3F818000, 0x3F808001, 0x3F80_7FFF, // bf16 ties to even (down and up) and either side of one
        0x3F801000, 0x3F803000, 0x3F800FFF,              // f16 ties (1 + 2^-11, 1 + 3·2^-11) and just below
        0x7F7FFFFF, 0xFF7FFFFF, 0x7F7F8000,              // float max (bf16 rounds it to infinity) and a tie at the top
        0x477FE000, 0x477FEFFF, 0x477FF000, 0x47800000,  // f16 max, just below the overflow tie, the tie, 2^16
        0x33800000, 0x33000000, 0x33000001, 0x33C00000,  // f16 subnormal edges: 2^-24, 2^-25 (tie to 0), above it, 1.5·2^-24
        0x387FC000, 0x387FE000, 0x38800000,              // the largest f16 subnormal, the tie to the smallest normal, 2^-14
        0x00000001, 0x00008000, 0x00018000, 0x807FFFFF,  // float subnormals
        0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0xFFC00123,
    ];

    public static TheoryData<int> Sizes => new(CudaMemoryKernelTests.Sizes);

    [Theory]
    [MemberData(nameof(Sizes))]
    public void F32ToBF16AndF16RoundToNearestEven(int n)
    {
        var values = Floats(n, n);
        AssertCastMatchesCpu(Tensor.FromArray(values, n), DType.BF16);
        AssertCastMatchesCpu(Tensor.FromArray(values, n), DType.F16);
    }

    [Fact]
    public void EveryBF16AndF16ValueWidensExactly()
    {
        var all = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        AssertCastMatchesCpu(Tensor.FromSpan<ushort>(all, [all.Length], DType.BF16), DType.F32);
        AssertCastMatchesCpu(Tensor.FromSpan<ushort>(all, [all.Length], DType.F16), DType.F32);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void FloatsToIntsTruncateTowardZero(int n)
    {
        var values = Normal(n, n).Select(v => v * 1000).ToArray();
        values[0] = -2.7f;
        AssertCastMatchesCpu(Tensor.FromArray(values, n), DType.I32);
        AssertCastMatchesCpu(Tensor.FromArray(values, n), DType.I64);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void IntsToFloatsRoundToNearestEven(int n)
    {
        var random = new Random(n);
        // Above 2^24 not every int is a float: 16777217 is a tie, 16777219 rounds up.
        var ints = Enumerable.Range(0, n).Select(i => i switch { 0 => 16777217, 1 => -16777219, _ => random.Next(int.MinValue, int.MaxValue) }).ToArray();
        var longs = ints.Select((v, i) => i % 2 == 0 ? v * 3_000_000_017L : v).ToArray();
        AssertCastMatchesCpu(Tensor.FromArray(ints, n), DType.F32);
        AssertCastMatchesCpu(Tensor.FromArray(longs, n), DType.F32);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void F32AndF64ConvertBothWays(int n)
    {
        var values = Floats(n, n);
        AssertCastMatchesCpu(Tensor.FromArray(values, n), DType.F64);
        var doubles = Normal(n, n + 1).Select((v, i) => v * Math.Pow(10, i % 40 - 20)).ToArray();
        AssertCastMatchesCpu(Tensor.FromDoubles(doubles, [n], DType.F64), DType.F32);
    }

    [Theory]
    [InlineData(DType.BF16, DType.F16)]
    [InlineData(DType.F16, DType.BF16)]
    [InlineData(DType.I32, DType.BF16)]
    [InlineData(DType.BF16, DType.I64)]
    [InlineData(DType.F64, DType.BF16)]
    public void PairsWithoutF32GoThroughF32(DType from, DType to)
    {
        var values = Normal(4097, 9).Select(v => (double)v * 100).ToArray();
        AssertCastMatchesCpu(Tensor.FromDoubles(values, [values.Length], from), to);
    }

    [Fact]
    public void CastToTheSameDTypeCopies()
    {
        var values = Floats(1000, 3);
        AssertCastMatchesCpu(Tensor.FromArray(values, 1000), DType.F32);
    }

    /// <summary>The special floats first, then normals over many magnitudes, n in all.</summary>
    private static float[] Floats(int n, int seed)
    {
        var random = Normal(n, seed);
        return [.. Enumerable.Range(0, n).Select(i => i < SpecialFloats.Length
            ? BitConverter.UInt32BitsToSingle(SpecialFloats[i])
            : random[i] * MathF.Pow(2, i % 60 - 30))];
    }

    private static void AssertCastMatchesCpu(Tensor source, DType to)
    {
        using var _ = source;
        using var expected = Tensor.Empty(source.Dims, to);
        CpuBackend.Instance.Cast(source, expected);
        using var deviceSource = ToDevice(source);
        using var actual = Empty(source.Dims, to);
        Backend.Cast(deviceSource, actual);

        var want = expected.ToBytes();
        var got = actual.ToBytes();
        var size = to.SizeInBytes();
        for (var i = 0; i < source.NumEl; i++)
        {
            var w = want.AsSpan((int)(i * size), size);
            var g = got.AsSpan((int)(i * size), size);
            if (w.SequenceEqual(g) || IsNaN(to, w) && IsNaN(to, g)) continue;
            Assert.Fail($"{source.DType} -> {to}, element {i} of {source.NumEl} ({source.ToArray()[i]}): expected bytes {Convert.ToHexString(w)}, got {Convert.ToHexString(g)}");
        }
    }

    private static bool IsNaN(DType dtype, ReadOnlySpan<byte> bytes) => dtype switch
    {
        DType.F32 => float.IsNaN(MemoryMarshal.Read<float>(bytes)),
        DType.F64 => double.IsNaN(MemoryMarshal.Read<double>(bytes)),
        DType.F16 => Half.IsNaN(MemoryMarshal.Read<Half>(bytes)),
        DType.BF16 => float.IsNaN(BFloat16Bits.ToFloat(MemoryMarshal.Read<ushort>(bytes))),
        _ => false,
    };
}
