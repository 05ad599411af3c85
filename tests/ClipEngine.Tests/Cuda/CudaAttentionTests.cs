using ClipEngine.Backends.Cuda;

namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;
using Ops = ClipEngine.Ops;

/// <summary>
/// Scaled dot-product attention, forward and backward, causal or not, on the Cuda backend against the Cpu backend.
/// Both run an online softmax in fp32, with key blocks of different sizes (64 on the Cpu, 32 here) and their own
/// summation orders, so outputs agree to 1e-5 and gradients, sums of up to S·Sk products, to 3e-5 (see
/// <see cref="CpuVsCuda.AssertClose"/>).
/// </summary>
[Collection(CudaTestDevice.Collection)]
public class CudaAttentionTests
{
    /// <summary>B, H, S, Sk, Dh.</summary>
    public static TheoryData<int, int, int, int, int> Shapes => new()
    {
        { 1, 1, 1, 1, 1 },
        { 1, 2, 3, 5, 8 },     // more keys than queries
        { 1, 2, 5, 3, 8 },     // fewer keys than queries: causal rows past Sk see every key
        { 2, 1, 17, 17, 17 },  // a head size that is not a multiple of 32
        { 1, 2, 33, 70, 64 },  // several key tiles; CLIP's head size
        { 1, 1, 9, 65, 128 },  // the largest head size
        { 1, 1, 77, 77, 96 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardAndBackwardMatchCpu(int b, int h, int s, int sk, int dh)
    {
        foreach (var causal in new[] { false, true }) Check(b, h, s, sk, dh, causal);
    }

    [Fact]
    public void LongSequencesMatchCpu()
    {
        // ViT-B/16's 197 tokens and ViT-L/14@336's 577, one head each, with and without the mask.
        Check(1, 1, 197, 197, 64, causal: true);
        Check(1, 1, 577, 577, 64, causal: false);
    }

    [Fact]
    public void HeadsLargerThanTheKernelsHoldAreRejected()
    {
        using var q = Empty([1, 1, 2, CudaBackend.MaxAttentionHeadDim + 1]);
        using var o = Empty([1, 1, 2, CudaBackend.MaxAttentionHeadDim + 1]);
        using var lse = Empty([1, 1, 2]);
        var error = Assert.Throws<NotSupportedException>(() => Backend.Attention(q, q, q, false, 1f, o, lse));
        Assert.Contains("129", error.Message);
    }

    [Fact]
    public void NoQueriesGiveZeroKeyAndValueGradients()
    {
        using var q = Tensor.Empty([1, 2, 0, 8]);
        using var k = Tensor.FromArray(Normal(2 * 3 * 8, 41), 1, 2, 3, 8);
        using var lse = Tensor.Empty([1, 2, 0]);
        var results = CpuVsCuda.Run([q, k, lse], [[1, 2, 0, 8], [1, 2, 3, 8], [1, 2, 3, 8]],
            (backend, t, o) => backend.AttentionBackward(t[0]!, t[0]!, t[1]!, t[1]!, t[0]!, t[2]!, true, 0.5f, o[0], o[1], o[2]));
        Assert.All(results.Cuda[1].Concat(results.Cuda[2]), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void AutogradOnCudaTensorsMatchesCpu()
    {
        using var q = Tensor.FromArray(Normal(2 * 2 * 9 * 16, 51), 2, 2, 9, 16);
        using var k = Tensor.FromArray(Normal(2 * 2 * 11 * 16, 52), 2, 2, 11, 16);
        using var v = Tensor.FromArray(Normal(2 * 2 * 11 * 16, 53), 2, 2, 11, 16);
        using var g = Tensor.FromArray(Normal(2 * 2 * 9 * 16, 54), 2, 2, 9, 16);
        Func<Tensor[], Tensor> op = t => Ops.ScaledDotProductAttention(t[0], t[1], t[2], causal: true);
        var cpu = AutogradRun.Gradients(op, [q, k, v], g, Device.Cpu);
        var cuda = AutogradRun.Gradients(op, [q, k, v], g, CudaTestDevice.Device);
        string[] names = ["output", "gq", "gk", "gv"];
        for (var i = 0; i < cpu.Length; i++) CpuVsCuda.AssertClose(cpu[i], cuda[i], 3e-5, names[i]);
    }

    private static void Check(int b, int h, int s, int sk, int dh, bool causal)
    {
        int[] queries = [b, h, s, dh], keys = [b, h, sk, dh];
        var scale = 1f / MathF.Sqrt(dh);
        using var q = Tensor.FromArray(Normal(b * h * s * dh, s + dh), queries);
        using var k = Tensor.FromArray(Normal(b * h * sk * dh, sk + dh + 1), keys);
        using var v = Tensor.FromArray(Normal(b * h * sk * dh, sk + dh + 2), keys);
        using var go = Tensor.FromArray(Normal(b * h * s * dh, s + dh + 3), queries);
        var what = $"[{b}, {h}, {s}, {dh}] with {sk} keys, causal {causal}";

        var forward = CpuVsCuda.Run([q, k, v], [queries, [b, h, s]],
            (backend, t, o) => backend.Attention(t[0]!, t[1]!, t[2]!, causal, scale, o[0], o[1]));
        CpuVsCuda.AssertAllClose(forward, 1e-5, what, "o", "lse");

        using var o = Tensor.FromArray(forward.Cpu[0], queries);
        using var lse = Tensor.FromArray(forward.Cpu[1], b, h, s);
        var backward = CpuVsCuda.Run([go, q, k, v, o, lse], [queries, keys, keys],
            (backend, t, g) => backend.AttentionBackward(t[0]!, t[1]!, t[2]!, t[3]!, t[4]!, t[5]!, causal, scale, g[0], g[1], g[2]));
        CpuVsCuda.AssertAllClose(backward, 3e-5, what, "gq", "gk", "gv");
    }
}
