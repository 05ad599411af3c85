using System.Runtime.CompilerServices;

namespace ClipEngine;

/// <summary>
/// bfloat16 conversions. bf16 is the top half of an IEEE float, so widening is a shift and narrowing rounds
/// to nearest-even on the dropped 16 bits (the rounding CUDA's __float2bfloat16 uses); NaN stays a quiet NaN.
/// </summary>
public static class BFloat16Bits
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FromFloat(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) return (ushort)((bits >> 16) | 0x0040);
        var roundingBias = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToFloat(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    public static void FromFloat(ReadOnlySpan<float> src, Span<ushort> dst)
    {
        for (var i = 0; i < src.Length; i++) dst[i] = FromFloat(src[i]);
    }

    public static void ToFloat(ReadOnlySpan<ushort> src, Span<float> dst)
    {
        for (var i = 0; i < src.Length; i++) dst[i] = ToFloat(src[i]);
    }
}
