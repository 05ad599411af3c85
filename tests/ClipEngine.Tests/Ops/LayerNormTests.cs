using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Ops;

using Ops = ClipEngine.Ops;

public class LayerNormTests
{
    private const float Eps = 1e-5f;

    /// <summary>Odd and CLIP-sized rows, no rows, and [64, 768]: enough rows to be split across threads (gw, gb merged).</summary>
    public static TheoryData<int[]> Shapes => new([2, 1], [3], [2, 17], [2, 3, 65], [2, 768], [0, 5], [64, 768]);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesFloat64WithWeightAndBias(int[] shape)
    {
        var d = shape[^1];
        OpCheck.Check(
            t => Ops.LayerNorm(t[0], t[1], t[2], Eps),
            v => FusedReference.LayerNorm(v[0], d, v[1], v[2], Eps),
            [InputSpec.Normal(shape), InputSpec.Normal(d), InputSpec.Normal(d)],
            expectedShape: shape);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void MatchesFloat64WithoutWeightOrBias(bool withWeight, bool withBias)
    {
        const int d = 17;
        var specs = new List<InputSpec> { InputSpec.Normal(3, d) };
        if (withWeight) specs.Add(InputSpec.Normal(d));
        if (withBias) specs.Add(InputSpec.Normal(d));
        OpCheck.Check(
            t => Ops.LayerNorm(t[0], withWeight ? t[1] : null, withBias ? t[^1] : null, Eps),
            v => FusedReference.LayerNorm(v[0], d, withWeight ? v[1] : null, withBias ? v[^1] : null, Eps),
            [.. specs]);
    }

    [Fact]
    public void RowsFarFromZeroKeepTheirPrecision()
    {
        // Mean 1000, std 1: E[x²] − E[x]² would cancel away every digit of the variance in float.
        var spec = new InputSpec([4, 65], r => 1000 + InputSpec.NextNormal(r));
        OpCheck.Check(t => Ops.LayerNorm(t[0]), v => FusedReference.LayerNorm(v[0], 65, null, null, Eps), [spec]);
    }

    [Theory]
    [InlineData(17)]
    [InlineData(65)]
    [InlineData(768)]
    public void FusedMatchesComposed(int d)
    {
        OpCheck.Equivalent(
            t => Ops.LayerNorm(t[0], t[1], t[2], Eps),
            t => Composed.LayerNorm(t[0], t[1], t[2], Eps),
            [InputSpec.Normal(2, 3, d), InputSpec.Normal(d), InputSpec.Normal(d)]);
    }

    [Fact]
    public void WeightOfTheWrongShapeIsNamed()
    {
        using var x = Tensor.Zeros([2, 8]);
        using var weight = Tensor.Ones([7]);
        var error = Assert.Throws<ArgumentException>(() => Ops.LayerNorm(x, weight));
        Assert.Contains("[2, 8]", error.Message);
        Assert.Contains("[7]", error.Message);
    }
}
