using ClipEngine.Nn;

namespace ClipEngine.Tests.Nn;

public class InitTests
{
    [Theory]
    [InlineData(64, 17)]
    [InlineData(3, 1)]
    [InlineData(128, 65)]
    public void LinearWeightIsUniformWithinOneOverRootFanIn(int outFeatures, int inFeatures)
    {
        using var w = Init.LinearWeight(outFeatures, inFeatures, new Generator(11));
        Assert.Equal([outFeatures, inFeatures], w.Shape);
        AssertUniform(w.ToArray(), 1 / Math.Sqrt(inFeatures));
    }

    [Fact]
    public void LinearBiasAndConvolutionFanInFollowPyTorch()
    {
        using var bias = Init.LinearBias(4096, 48, new Generator(12));
        AssertUniform(bias.ToArray(), 1 / Math.Sqrt(48));
        Assert.Equal(3 * 8 * 8, Init.FanIn([64, 3, 8, 8]));
        using var conv = Init.KaimingUniform([64, 3, 8, 8], new Generator(13), Math.Sqrt(5));
        AssertUniform(conv.ToArray(), 1 / Math.Sqrt(192));
        using var relu = Init.KaimingUniform([512, 50], new Generator(14));
        AssertUniform(relu.ToArray(), Math.Sqrt(2) * Math.Sqrt(3.0 / 50));
        Assert.Equal(64 * 8 * 8, Init.FanOut([64, 3, 8, 8]));
        using var xavier = Init.XavierUniform([144, 48], new Generator(17));
        AssertUniform(xavier.ToArray(), Math.Sqrt(6.0 / (48 + 144)));
        using var empty = Init.LinearBias(3, 0, new Generator(15));
        Assert.Equal([0f, 0f, 0f], empty.ToArray());
        Assert.Throws<ArgumentException>(() => Init.FanIn([5]));
    }

    [Fact]
    public void NormalHasTheRequestedMomentsAndASeedFixesEveryValue()
    {
        using var a = Init.Normal([100, 100], new Generator(16), mean: 0f, std: 0.02f);
        var values = a.ToArray().Select(v => (double)v).ToArray();
        var mean = values.Average();
        var std = Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Average());
        Assert.InRange(mean, -0.001, 0.001);
        Assert.InRange(std, 0.0196, 0.0204);
        using var b = Init.Normal([100, 100], new Generator(16), mean: 0f, std: 0.02f);
        Assert.Equal(a.ToArray(), b.ToArray());
        var generator = new Generator(16);
        using var first = Init.LinearWeight(8, 8, generator);
        using var second = Init.LinearWeight(8, 8, generator);
        Assert.NotEqual(first.ToArray(), second.ToArray());
    }

    /// <summary>Inside ±bound, reaching close to both ends, with the mean and variance (bound²/3) of U(−bound, bound).</summary>
    private static void AssertUniform(float[] values, double bound)
    {
        var n = values.Length;
        Assert.All(values, v => Assert.InRange(v, -bound, bound));
        // P(max < bound − slack) = (1 − slack/2bound)ⁿ ≈ e^(−n·slack/2bound) = 10⁻⁶ for this slack.
        var slack = 4 * bound / n * Math.Log(1000);
        Assert.InRange(values.Max(), bound - slack - 1e-9, bound);
        Assert.InRange(values.Min(), -bound, -bound + slack + 1e-9);
        var mean = values.Average(v => (double)v);
        var variance = values.Average(v => (v - mean) * (v - mean));
        // Five standard errors: bound/√(3n) for the mean, and √(4/5)/√n relative for the variance (μ₄ = bound⁴/5, σ² = bound²/3).
        Assert.InRange(mean, -5 * bound / Math.Sqrt(3 * n), 5 * bound / Math.Sqrt(3 * n));
        Assert.InRange(variance / (bound * bound / 3), 1 - 5 / Math.Sqrt(n), 1 + 5 / Math.Sqrt(n));
    }
}
