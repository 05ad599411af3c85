using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Cpu;

using Ops = ClipEngine.Ops;

/// <summary>
/// The Cpu attention kernel at sizes beyond one query block (128 rows), where the rows of a head are split into
/// several blocks of the same size and the backward adds every block into one dK and dV; odd lengths, more keys than
/// queries and fewer, with and without the causal mask. Forward against float64, gradients against finite differences.
/// </summary>
public class AttentionBlockTests
{
    /// <summary>B, H, S, Sk, Dh: one block (1, 65, 128 rows), two (129, 200, 256), three (300).</summary>
    public static TheoryData<int, int, int, int, int> Shapes => new()
    {
        { 2, 3, 65, 65, 16 },
        { 1, 1, 128, 128, 8 },
        { 1, 2, 129, 129, 8 },
        { 1, 1, 200, 150, 12 },
        { 1, 1, 130, 300, 8 },
        { 1, 1, 300, 90, 5 },
        { 1, 1, 256, 256, 3 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesFloat64AcrossQueryBlocks(int b, int h, int s, int sk, int dh)
    {
        foreach (var causal in new[] { false, true })
        {
            OpCheck.Check(
                t => Ops.ScaledDotProductAttention(t[0], t[1], t[2], causal),
                v => FusedReference.Attention(v[0], v[1], v[2], b * h, s, sk, dh, causal, 1 / Math.Sqrt(dh)),
                [InputSpec.Normal(b, h, s, dh), InputSpec.Normal(b, h, sk, dh), InputSpec.Normal(b, h, sk, dh)],
                expectedShape: [b, h, s, dh]);
        }
    }

    [Fact]
    public void SharpScoresStayFinite()
    {
        // Scale 30 makes score differences of hundreds: exp of unshifted scores would overflow.
        OpCheck.Check(
            t => Ops.ScaledDotProductAttention(t[0], t[1], t[2], causal: true, scale: 30f),
            v => FusedReference.Attention(v[0], v[1], v[2], 1, 140, 140, 4, true, 30f),
            [InputSpec.Normal(1, 1, 140, 4).Constant(), InputSpec.Normal(1, 1, 140, 4).Constant(), InputSpec.Normal(1, 1, 140, 4).Constant()],
            forwardTolerance: 1e-4);
    }
}
