using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Ops;

using Ops = ClipEngine.Ops;

public class L2NormalizeTests
{
    private static double[] NormalizeReference(double[] x, int d, double eps = 1e-12)
    {
        var y = new double[x.Length];
        for (var r = 0; d > 0 && r < x.Length / d; r++)
        {
            var norm = Math.Max(Math.Sqrt(Enumerable.Range(0, d).Sum(i => x[r * d + i] * x[r * d + i])), eps);
            for (var i = 0; i < d; i++) y[r * d + i] = x[r * d + i] / norm;
        }
        return y;
    }

    public static TheoryData<int[]> Shapes => new() { new[] { 1 }, new[] { 3 }, new[] { 4, 17 }, new[] { 2, 3, 65 }, new[] { 3, 0 }, new[] { 0, 5 }, new[] { 7, 512 } };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void L2NormalizeMatchesFloat64(int[] shape) =>
        OpCheck.Check(t => Ops.L2Normalize(t[0]), v => NormalizeReference(v[0], shape[^1]), [InputSpec.Normal(shape)], expectedShape: shape);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FusedMatchesComposed(int[] shape) =>
        OpCheck.Equivalent(
            t => Ops.L2Normalize(t[0]),
            t => t[0] / Ops.Clamp(Ops.Sqrt(Ops.Sum(t[0] * t[0], -1, keepDim: true)), min: 1e-12f),
            [InputSpec.Normal(shape)]);

    [Fact]
    public void RowsBelowEpsAreDividedByEps()
    {
        using var x = Tensor.FromArray([0f, 0f, 3e-4f, 4e-4f, 3f, 4f], 3, 2);
        x.RequiresGrad = true;
        using var y = Ops.L2Normalize(x, eps: 1e-2f);
        OpCheck.AssertClose([0, 0, 0.03, 0.04, 0.6, 0.8], y.ToArray(), 1e-6, "value");
        using var g = Tensor.FromArray([1f, 1f, 1f, 1f, 0f, 0f], 3, 2);
        y.Backward(g);
        OpCheck.AssertClose([100, 100, 100, 100, 0, 0], x.Grad!.ToArray(), 1e-6, "gradient");
    }
}
