namespace ClipEngine.Tests.Cuda.Emulator;

/// <summary>The 16-bit conversions against values that follow from the IEEE 754 formats, not from the code under test.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class PrecisionTests(EmulatorFixture fixture)
{
    private const ushort CanonicalNaN = 0x7FFF;

    // (float bits, bf16 bits): round to nearest, ties to even, on the dropped 16 bits.
    private static readonly (uint Float, ushort BFloat16)[] BFloat16Table =
    [
        (0x3F800000, 0x3F80), // 1
        (0xBF800000, 0xBF80), // -1
        (0x00000000, 0x0000), // 0
        (0x80000000, 0x8000), // -0
        (0x3F808000, 0x3F80), // 1 + 2^-8: halfway, tie to even 0x3F80
        (0x3F818000, 0x3F82), // halfway above odd 0x3F81: tie to even 0x3F82
        (0x3F808001, 0x3F81), // just above halfway
        (0x3F807FFF, 0x3F80), // just below halfway
        (0x7F7FFFFF, 0x7F80), // FLT_MAX rounds up to infinity
        (0x7F7F0000, 0x7F7F), // largest bf16
        (0x7F800000, 0x7F80), // inf
        (0xFF800000, 0xFF80), // -inf
        (0x00010000, 0x0001), // smallest bf16 subnormal, exact
        (0x00008000, 0x0000), // half of it: tie to even 0
        (0x00018000, 0x0002), // 1.5 of it: tie to even 2
        (0x00000001, 0x0000), // smallest float subnormal
        (0x3DCCCCCD, 0x3DCD), // 0.1
    ];

    // (float bits, half bits).
    private static readonly (uint Float, ushort Half)[] HalfTable =
    [
        (0x3F800000, 0x3C00), // 1
        (0xC0000000, 0xC000), // -2
        (0x80000000, 0x8000), // -0
        (0x477FE000, 0x7BFF), // 65504, the largest half
        (0x477FEFFF, 0x7BFF), // just below 65520
        (0x477FF000, 0x7C00), // 65520: halfway to 65536, ties to even = infinity
        (0x7F800000, 0x7C00), // inf
        (0xFF800000, 0xFC00), // -inf
        (0x3F801000, 0x3C00), // 1 + 2^-11: halfway, tie to even
        (0x3F803000, 0x3C02), // 1 + 3 * 2^-11: halfway above odd 0x3C01, tie to even 0x3C02
        (0x3F801001, 0x3C01), // just above halfway
        (0x38800000, 0x0400), // 2^-14, the smallest normal half
        (0x33800000, 0x0001), // 2^-24, the smallest subnormal half
        (0x33000000, 0x0000), // 2^-25: halfway to 2^-24, tie to even 0
        (0x33C00000, 0x0002), // 3 * 2^-25: halfway between 1 and 2 units, tie to even 2
        (0x33000001, 0x0001), // just above 2^-25
        (0x387FC000, 0x03FF), // 1023 * 2^-24, the largest subnormal
        (0x2EDBE6FF, 0x0000), // 1e-10 underflows to 0
        (0x3DCCCCCD, 0x2E66), // 0.1
    ];

    [Fact]
    public void FloatToBFloat16RoundsToNearestEven()
    {
        var result = Convert("to_bf16", BFloat16Table.Select(e => e.Float).ToArray());
        for (var i = 0; i < BFloat16Table.Length; i++) Assert.Equal(BFloat16Table[i].BFloat16, result[i]);
    }

    [Fact]
    public void FloatToHalfRoundsToNearestEven()
    {
        var result = Convert("to_half", HalfTable.Select(e => e.Float).ToArray());
        for (var i = 0; i < HalfTable.Length; i++) Assert.Equal(HalfTable[i].Half, result[i]);
    }

    [Fact]
    public void NaNConvertsToTheCanonicalNaN()
    {
        uint[] nans = [0x7FC00000, 0xFFC00000, 0x7F800001, 0x7FFFFFFF];
        Assert.All(Convert("to_bf16", nans), bits => Assert.Equal(CanonicalNaN, bits));
        Assert.All(Convert("to_half", nans), bits => Assert.Equal(CanonicalNaN, bits));
    }

    [Fact]
    public void SixteenBitValuesWidenExactly()
    {
        // Every bf16 value is the float with the same top 16 bits.
        var all = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        var widened = Widen("from_bf16", all);
        for (var i = 0; i < all.Length; i++)
        {
            var expected = BitConverter.UInt32BitsToSingle((uint)all[i] << 16);
            if (float.IsNaN(expected)) Assert.True(float.IsNaN(widened[i]));
            else Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(widened[i]));
        }

        // Half: sign * 2^(e-15) * (1 + m/1024), subnormals 2^-24 * m, e = 31 inf/NaN.
        var halves = Widen("from_half", all);
        for (var i = 0; i < all.Length; i++)
        {
            int sign = all[i] >> 15, exponent = (all[i] >> 10) & 31, mantissa = all[i] & 1023;
            double magnitude = exponent == 31 ? (mantissa == 0 ? double.PositiveInfinity : double.NaN)
                : exponent == 0 ? mantissa * Math.Pow(2, -24)
                : (1 + mantissa / 1024.0) * Math.Pow(2, exponent - 15);
            var expected = (float)(sign == 1 ? -magnitude : magnitude);
            if (float.IsNaN(expected)) Assert.True(float.IsNaN(halves[i]));
            else Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(halves[i]));
        }
    }

    private ushort[] Convert(string kernel, uint[] floatBits)
    {
        var values = floatBits.Select(BitConverter.UInt32BitsToSingle).ToArray();
        using var input = DeviceArray<float>.From(fixture.Driver, values);
        using var output = DeviceArray<ushort>.Zeros(fixture.Driver, values.Length);
        fixture.Driver.Run(fixture.Function("precision.cu", kernel), 2, 64, 0, input, output, values.Length);
        return output.ToArray();
    }

    private float[] Widen(string kernel, ushort[] bits)
    {
        using var input = DeviceArray<ushort>.From(fixture.Driver, bits);
        using var output = DeviceArray<float>.Zeros(fixture.Driver, bits.Length);
        fixture.Driver.Run(fixture.Function("precision.cu", kernel), 16, 256, 0, input, output, bits.Length);
        return output.ToArray();
    }
}
