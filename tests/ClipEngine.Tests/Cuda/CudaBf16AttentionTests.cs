using ClipEngine.Backends;
using ClipEngine.Backends.Cpu;

namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;

/// <summary>
/// Attention with BF16 q, k, v, o and gradients (lse F32) on the Cuda backend: against the Cpu backend's F32 attention
/// on the same BF16-rounded inputs, and against the Cuda F32 kernels, whose results the BF16 kernels must equal once
/// rounded (the BF16 kernels widen every load to float and run the F32 kernels' math, rounding each output once).
/// </summary>
[Collection(CudaTestDevice.Collection)]
public class CudaBf16AttentionTests
{
    /// <summary>B, H, S, Sk, Dh.</summary>
    public static TheoryData<int, int, int, int, int> Shapes => new()
    {
        { 1, 1, 1, 1, 8 },      // one query, one key
        { 1, 2, 7, 5, 8 },      // fewer keys than queries: causal rows past Sk see every key
        { 2, 1, 7, 33, 64 },    // more keys than queries, across two key tiles
        { 1, 2, 33, 70, 64 },   // several key tiles; the last row group holds one row
        { 1, 1, 33, 7, 128 },   // the largest head size
        { 1, 1, 33, 33, 128 },
    };

    /// <summary>
    /// The chain autocast runs: the BF16 forward, then the BF16 backward from its BF16 o and F32 lse, against the Cpu's
    /// F32 forward and backward on the same rounded q, k, v and go, rounded to BF16.
    /// <list type="bullet">
    /// <item>o and dV: both sides compute the same sums in fp32 (differing by fp32 noise, the 1e-5 of
    /// <see cref="CudaAttentionTests"/>), and each rounds to nearest once, so they differ by at most 1 bf16 ulp of the
    /// element (two half-ulps) plus that noise; o is a convex combination of rows of v, so that ulp is at most 1 ulp of
    /// max|v|. dV_j = Σ_i P_ij·dO_i does not read o.</item>
    /// <item>lse: computed from the same rounded q and k in fp32 on both sides: 1e-5, as in the F32 tests.</item>
    /// <item>dQ and dK read o through D_i = dO_i·O_i, and the Cuda's o is rounded to BF16 (relative error up to 2^-9
    /// per element) where the Cpu's is not. dS_ij = P_ij·(dO_i·v_j − D_i)·scale: D_i's error is at most 2^-9 of
    /// Σ_d |dO_id·O_id|, and |O_i| ≤ max_j |v_j| element-wise, so it is a fraction 2^-9 of the size of dO_i·v_j; summed
    /// with the weights P_ij (which add to 1) it moves dQ and dK by about 2^-9 of their scale, half a bf16 ulp of
    /// max|grad|, before each side's own rounding (another ulp). We allow 2 bf16 ulps of max|grad| per element, plus
    /// the F32 tests' 3e-5 relative noise.</item>
    /// </list>
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesCpuF32OnRoundedInputs(int b, int h, int s, int sk, int dh)
    {
        foreach (var causal in new[] { false, true })
        {
            var x = Inputs.Draw(b, h, s, sk, dh, causal);
            var (cpuO, cpuLse) = Forward(CpuBackend.Instance, x, DType.F32);
            var cpuGrads = Backward(CpuBackend.Instance, x, cpuO, cpuLse, DType.F32);
            var (o, lse) = Forward(Backend, x, DType.BF16);
            var grads = Backward(Backend, x, o, lse, DType.BF16);

            AssertWithinOneUlp(Bf16(cpuO), o, 1e-5 * MaxAbs(x.V), $"{x} o");
            CpuVsCuda.AssertClose(cpuLse, lse, 1e-5, $"{x} lse");
            AssertWithinUlpsOfMax(Bf16(cpuGrads[0]), grads[0], 2, 3e-5, $"{x} gq");
            AssertWithinUlpsOfMax(Bf16(cpuGrads[1]), grads[1], 2, 3e-5, $"{x} gk");
            AssertWithinOneUlp(Bf16(cpuGrads[2]), grads[2], 3e-5 * MaxAbs(cpuGrads[2]), $"{x} gv");
        }
    }

    /// <summary>
    /// The BF16 kernels against the Cuda F32 kernels on the same values (the F32 backward given the BF16 forward's o,
    /// widened): every BF16 output is the F32 output rounded to nearest-even, bit for bit, and lse is the same float.
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void EqualTheF32KernelsRoundedOnce(int b, int h, int s, int sk, int dh)
    {
        foreach (var causal in new[] { false, true })
        {
            var x = Inputs.Draw(b, h, s, sk, dh, causal);
            var (o32, lse32) = Forward(Backend, x, DType.F32);
            var (o, lse) = Forward(Backend, x, DType.BF16);
            Assert.Equal(Bits(Bf16(o32)), Bits(o));
            Assert.Equal(lse32, lse);

            var grads32 = Backward(Backend, x, o, lse, DType.F32);
            var grads = Backward(Backend, x, o, lse, DType.BF16);
            for (var i = 0; i < grads.Length; i++) Assert.Equal(Bits(Bf16(grads32[i])), Bits(grads[i]));
        }
    }

    [Fact]
    public void MixedDTypesAreRefused()
    {
        int[] shape = [1, 1, 2, 8];
        using var bf16 = Empty(shape, DType.BF16);
        using var f32 = Empty(shape);
        using var f16 = Empty(shape, DType.F16);
        using var lse = Empty([1, 1, 2]);
        using var bf16Lse = Empty([1, 1, 2], DType.BF16);

        var error = Assert.Throws<ArgumentException>(() => Backend.Attention(bf16, f32, bf16, false, 1f, bf16, lse));
        Assert.Contains("q BF16, k F32, v BF16", error.Message);
        error = Assert.Throws<ArgumentException>(() => Backend.Attention(f32, f32, f32, false, 1f, bf16, lse));
        Assert.Contains("o BF16", error.Message);
        error = Assert.Throws<ArgumentException>(() => Backend.AttentionBackward(bf16, bf16, bf16, bf16, bf16, lse, true, 1f, bf16, bf16, f32));
        Assert.Contains("gv F32", error.Message);
        error = Assert.Throws<ArgumentException>(() => Backend.AttentionBackward(f32, bf16, bf16, bf16, bf16, lse, true, 1f, bf16, bf16, bf16));
        Assert.Contains("go F32", error.Message);
        error = Assert.Throws<ArgumentException>(() => Backend.Attention(bf16, bf16, bf16, false, 1f, bf16, bf16Lse));
        Assert.Contains("lse must be F32, got BF16", error.Message);
        error = Assert.Throws<ArgumentException>(() => Backend.AttentionBackward(bf16, bf16, bf16, bf16, bf16, bf16Lse, false, 1f, bf16, bf16, bf16));
        Assert.Contains("lse must be F32, got BF16", error.Message);
        error = Assert.Throws<ArgumentException>(() => Backend.Attention(f16, f16, f16, false, 1f, f16, lse));
        Assert.Contains("F16", error.Message);
    }

    /// <summary>BF16-representable q, k, v [B, H, S|Sk, Dh] and go, drawn from the shape.</summary>
    private sealed record Inputs(int B, int H, int S, int Sk, int Dh, bool Causal, float[] Q, float[] K, float[] V, float[] Go)
    {
        public int[] Queries => [B, H, S, Dh];

        public int[] Keys => [B, H, Sk, Dh];

        public float Scale => 1f / MathF.Sqrt(Dh);

        public static Inputs Draw(int b, int h, int s, int sk, int dh, bool causal) => new(b, h, s, sk, dh, causal,
            Bf16(Normal(b * h * s * dh, s + dh)), Bf16(Normal(b * h * sk * dh, sk + dh + 1)),
            Bf16(Normal(b * h * sk * dh, sk + dh + 2)), Bf16(Normal(b * h * s * dh, s + dh + 3)));

        public override string ToString() => $"[{B}, {H}, {S}, {Dh}] with {Sk} keys, causal {Causal}";
    }

    private static (float[] O, float[] Lse) Forward(IBackend backend, Inputs x, DType dtype)
    {
        using var q = Place(backend, x.Q, x.Queries, dtype);
        using var k = Place(backend, x.K, x.Keys, dtype);
        using var v = Place(backend, x.V, x.Keys, dtype);
        using var o = Output(backend, x.Queries, dtype);
        using var lse = Output(backend, [x.B, x.H, x.S], DType.F32);
        backend.Attention(q, k, v, x.Causal, x.Scale, o, lse);
        return (o.ToArray(), lse.ToArray());
    }

    /// <summary>gq, gk, gv from the forward's o (exact in <paramref name="dtype"/>) and lse.</summary>
    private static float[][] Backward(IBackend backend, Inputs x, float[] o, float[] lse, DType dtype)
    {
        using var go = Place(backend, x.Go, x.Queries, dtype);
        using var q = Place(backend, x.Q, x.Queries, dtype);
        using var k = Place(backend, x.K, x.Keys, dtype);
        using var v = Place(backend, x.V, x.Keys, dtype);
        using var saved = Place(backend, o, x.Queries, dtype);
        using var savedLse = Place(backend, lse, [x.B, x.H, x.S], DType.F32);
        using var gq = Output(backend, x.Queries, dtype);
        using var gk = Output(backend, x.Keys, dtype);
        using var gv = Output(backend, x.Keys, dtype);
        backend.AttentionBackward(go, q, k, v, saved, savedLse, x.Causal, x.Scale, gq, gk, gv);
        return [gq.ToArray(), gk.ToArray(), gv.ToArray()];
    }

    /// <summary>values (exact in dtype) as a tensor of dtype on backend's device.</summary>
    private static Tensor Place(IBackend backend, float[] values, int[] shape, DType dtype)
    {
        var host = dtype == DType.BF16
            ? Tensor.FromSpan<ushort>(Bits(values), shape, DType.BF16)
            : Tensor.FromArray(values, shape);
        if (backend is CpuBackend) return host;
        using (host) return ToDevice(host);
    }

    /// <summary>An output filled with NaN, so that an element the op fails to write shows up.</summary>
    private static Tensor Output(IBackend backend, int[] shape, DType dtype)
    {
        var t = Tensor.Empty(shape, dtype, backend.Device);
        backend.Fill(t, double.NaN);
        return t;
    }

    private static float[] Bf16(float[] values) => [.. values.Select(v => BFloat16Bits.ToFloat(BFloat16Bits.FromFloat(v)))];

    private static ushort[] Bits(float[] values) => [.. values.Select(BFloat16Bits.FromFloat)];

    private static double MaxAbs(float[] values) => values.Length == 0 ? 0 : values.Max(v => Math.Abs((double)v));

    /// <summary>The gap between bf16 numbers at |x|: 2^(e − 7) for |x| in [2^e, 2^(e+1)), bf16 keeping 8 significant bits.</summary>
    private static double Bf16Ulp(double x) =>
        BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(MathF.Abs((float)x)) & 0x7F80_0000u) / 128.0;

    /// <summary>Per element: |actual − expected| ≤ 1 bf16 ulp of the larger of the two, plus <paramref name="noise"/>.</summary>
    private static void AssertWithinOneUlp(float[] expected, float[] actual, double noise, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var tolerance = Bf16Ulp(Math.Max(Math.Abs(expected[i]), Math.Abs(actual[i]))) + noise;
            if (!(Math.Abs((double)actual[i] - expected[i]) <= tolerance))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (tolerance {tolerance:E2})");
        }
    }

    /// <summary>Per element: |actual − expected| ≤ ulps bf16 ulps of max|expected|, plus relativeNoise·max|expected|.</summary>
    private static void AssertWithinUlpsOfMax(float[] expected, float[] actual, int ulps, double relativeNoise, string what)
    {
        var max = MaxAbs(expected);
        CudaAssert.Close(expected, actual, 0, ulps * Bf16Ulp(max) + relativeNoise * max, what);
    }
}
