using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Ops;

using Ops = ClipEngine.Ops;

public class AttentionTests
{
    /// <summary>B, H, S, Sk, Dh.</summary>
    public static TheoryData<int, int, int, int, int> Shapes => new()
    {
        { 1, 2, 1, 1, 8 },
        { 2, 1, 3, 3, 1 },
        { 2, 2, 3, 3, 12 },
        { 1, 3, 17, 17, 8 },
        { 2, 1, 17, 17, 64 },
        { 1, 2, 3, 5, 8 },
        { 1, 2, 5, 3, 8 },
        { 1, 2, 3, 70, 4 },
    };

    private static InputSpec[] Specs(int b, int h, int s, int sk, int dh) =>
        [InputSpec.Normal(b, h, s, dh), InputSpec.Normal(b, h, sk, dh), InputSpec.Normal(b, h, sk, dh)];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesFloat64(int b, int h, int s, int sk, int dh)
    {
        foreach (var causal in new[] { false, true })
        {
            OpCheck.Check(
                t => Ops.ScaledDotProductAttention(t[0], t[1], t[2], causal),
                v => FusedReference.Attention(v[0], v[1], v[2], b * h, s, sk, dh, causal, 1 / Math.Sqrt(dh)),
                Specs(b, h, s, sk, dh),
                expectedShape: [b, h, s, dh]);
        }
    }

    [Fact]
    public void ExplicitScaleIsUsed()
    {
        OpCheck.Check(
            t => Ops.ScaledDotProductAttention(t[0], t[1], t[2], scale: 0.9f),
            v => FusedReference.Attention(v[0], v[1], v[2], 2, 5, 5, 4, false, 0.9f),
            Specs(1, 2, 5, 5, 4));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FusedMatchesComposed(bool causal)
    {
        OpCheck.Equivalent(
            t => Ops.ScaledDotProductAttention(t[0], t[1], t[2], causal),
            t => Composed.Attention(t[0], t[1], t[2], causal, 1 / MathF.Sqrt(12)),
            Specs(2, 2, 17, 17, 12));
    }

    [Fact]
    public void LongCausalSequenceMatchesFloat64()
    {
        // CLIP's text tower: 77 tokens, heads of 64; several key blocks per query row.
        var specs = Specs(1, 2, 77, 77, 64).Select(spec => spec.Constant()).ToArray();
        OpCheck.Check(
            t => Ops.ScaledDotProductAttention(t[0], t[1], t[2], causal: true),
            v => FusedReference.Attention(v[0], v[1], v[2], 2, 77, 77, 64, true, 1 / 8.0),
            specs);
    }

    [Fact]
    public void EmptyBatchOrQueriesGiveAnEmptyOutput()
    {
        OpCheck.Check(t => Ops.ScaledDotProductAttention(t[0], t[1], t[2]), _ => [], Specs(0, 2, 3, 3, 4), expectedShape: [0, 2, 3, 4]);
        OpCheck.Check(t => Ops.ScaledDotProductAttention(t[0], t[1], t[2], causal: true), _ => [], Specs(1, 2, 0, 3, 4), expectedShape: [1, 2, 0, 4]);
    }

    [Fact]
    public void MismatchedShapesAreNamed()
    {
        using var q = Tensor.Zeros([1, 2, 3, 8]);
        using var k = Tensor.Zeros([1, 2, 5, 4]);
        using var v = Tensor.Zeros([1, 2, 5, 4]);
        var error = Assert.Throws<ArgumentException>(() => Ops.ScaledDotProductAttention(q, k, v));
        Assert.Contains("[1, 2, 3, 8]", error.Message);
        Assert.Contains("[1, 2, 5, 4]", error.Message);
        using var v3 = Tensor.Zeros([2, 5, 8]);
        Assert.Contains("rank 4", Assert.Throws<ArgumentException>(() => Ops.ScaledDotProductAttention(q, q, v3)).Message);
        using var noKeys = Tensor.Zeros([1, 2, 0, 8]);
        Assert.Contains("no keys", Assert.Throws<ArgumentException>(() => Ops.ScaledDotProductAttention(q, noKeys, noKeys)).Message);
    }
}
