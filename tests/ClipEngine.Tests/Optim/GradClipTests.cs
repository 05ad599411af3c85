using ClipEngine.Optim;
using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Optim;

public class GradClipTests
{
    [Fact]
    public void GlobalNormMatchesFloat64OverEveryGradient()
    {
        var random = new Random(41);
        int[][] shapes = [[1], [3], [17, 5], [65], [100_003], [0, 4]];
        using var scope = TensorScope.Begin();
        var parameters = new List<Tensor>();
        double sumOfSquares = 0;
        foreach (var shape in shapes)
        {
            var values = Enumerable.Range(0, (int)ShapeUtil.NumEl(shape)).Select(_ => (double)(float)InputSpec.NextNormal(random)).ToArray();
            sumOfSquares += values.Sum(v => v * v);
            var p = Tensor.Zeros(shape);
            p.RequiresGrad = true;
            p.Grad = Tensor.FromDoubles(values, shape);
            parameters.Add(p);
        }
        var withoutGrad = Tensor.Ones([7]);
        withoutGrad.RequiresGrad = true;
        parameters.Add(withoutGrad);

        var norm = GradClip.GlobalNorm(parameters);
        var expected = Math.Sqrt(sumOfSquares);
        Assert.True(Math.Abs(norm - expected) <= 1e-5 * expected, $"norm {norm:R}, expected {expected:R}");
        Assert.All(parameters.Where(p => p.Grad is not null), p => Assert.False(p.Grad!.IsDisposed));
    }

    [Fact]
    public void ScaleIsMaxNormOverNormOnlyWhenTheNormExceedsIt()
    {
        using var p = Tensor.Zeros([2]);
        p.RequiresGrad = true;
        p.Grad = Tensor.FromArray([3f, 4f], 2);
        var clipped = GradClip.ClipGradNorm([p], maxNorm: 1f);
        Assert.Equal(5f, clipped.TotalNorm, 6);
        Assert.Equal(1f / (5f + 1e-6f), clipped.Scale);
        var kept = GradClip.ClipGradNorm([p], maxNorm: 10f);
        Assert.Equal(new GradClipResult(kept.TotalNorm, 1f), kept);
        Assert.Equal([3f, 4f], p.Grad.ToArray());
        p.ZeroGrad();
        Assert.Equal(new GradClipResult(0f, 1f), GradClip.ClipGradNorm([p], 1f));
    }

    [Fact]
    public void ClippingThroughAdamWEqualsStepOnClippedGradients()
    {
        using var a = Tensor.FromArray([0.5f, -1f, 2f], 3);
        using var b = Tensor.FromArray([0.5f, -1f, 2f], 3);
        a.RequiresGrad = b.RequiresGrad = true;
        a.Grad = Tensor.FromArray([30f, -40f, 120f], 3);
        var clip = GradClip.ClipGradNorm([a], maxNorm: 1f);
        Assert.Equal(130f, clip.TotalNorm, 4);
        b.Grad = a.Grad * clip.Scale;
        using var optA = new AdamW([a], lr: 0.1);
        using var optB = new AdamW([b], lr: 0.1);
        optA.Step(clip.Scale);
        optB.Step();
        Assert.Equal(b.ToArray(), a.ToArray());
    }
}
