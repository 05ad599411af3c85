using ClipEngine.Nn;
using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Nn;

using Ops = ClipEngine.Ops;

public class LayerTests
{
    public static TheoryData<int, int, int[], bool> LinearCases => new()
    {
        { 1, 1, [1], true },
        { 3, 17, [2, 3], true },
        { 17, 5, [4], false },
        { 65, 3, [], true },
        { 4, 2, [0, 3], true },
    };

    [Theory]
    [MemberData(nameof(LinearCases))]
    public void LinearMatchesFloat64AndDifferentiatesInputWeightAndBias(int inFeatures, int outFeatures, int[] leading, bool bias)
    {
        using var linear = new Linear(inFeatures, outFeatures, new Generator(51), bias);
        ModuleCheck.Check(
            linear,
            linear.Forward,
            v => NnReference.Linear(v[0], v[1], bias ? v[2] : null, inFeatures, outFeatures),
            InputSpec.Normal([.. leading, inFeatures]));
    }

    [Fact]
    public void LinearHasPyTorchsNamesShapesAndInitialisation()
    {
        using var linear = new Linear(48, 192, new Generator(52));
        Assert.Equal(["weight", "bias"], linear.StateDict().Keys);
        Assert.Equal([192, 48], linear.Weight.Shape);
        Assert.Equal([192], linear.Bias!.Shape);
        var bound = 1 / Math.Sqrt(48);
        Assert.All(linear.Weight.ToArray(), w => Assert.InRange(w, -bound, bound));
        Assert.All(linear.Bias.ToArray(), b => Assert.InRange(b, -bound, bound));
        Assert.True(linear.Weight.ToArray().Max() > 0.9 * bound);
        using var noBias = new Linear(3, 2, new Generator(53), bias: false);
        Assert.Null(noBias.Bias);
        Assert.Equal(["weight"], noBias.StateDict().Keys);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(65)]
    public void LayerNormMatchesFloat64AndDifferentiatesInputAndAffine(int d)
    {
        using var norm = new LayerNorm(d);
        Assert.Equal(Enumerable.Repeat(1f, d), norm.Weight!.ToArray());
        Assert.Equal(new float[d], norm.Bias!.ToArray());
        Randomize(norm, 54);
        ModuleCheck.Check(norm, norm.Forward, v => FusedReference.LayerNorm(v[0], d, v[1], v[2], 1e-5), InputSpec.Normal(3, d));
        using var plain = new LayerNorm(d, eps: 1e-6f, elementwiseAffine: false);
        Assert.Empty(plain.StateDict());
        ModuleCheck.Check(plain, plain.Forward, v => FusedReference.LayerNorm(v[0], d, null, null, 1e-6), InputSpec.Normal(2, d));
    }

    [Fact]
    public void EmbeddingLooksUpRowsAndAccumulatesGradientsIntoThem()
    {
        using var embedding = new Embedding(7, 5, new Generator(55));
        Assert.Equal(["weight"], embedding.StateDict().Keys);
        ModuleCheck.Check(
            embedding,
            embedding.Forward,
            v => [.. v[0].SelectMany(i => v[1].Skip((int)i * 5).Take(5))],
            InputSpec.Index(7, 3, 4));
    }

    [Fact]
    public void EmbeddingWeightsAreStandardNormal()
    {
        using var embedding = new Embedding(1000, 48, new Generator(56));
        var w = embedding.Weight.ToArray().Select(v => (double)v).ToArray();
        var mean = w.Average();
        Assert.InRange(mean, -0.02, 0.02);
        Assert.InRange(Math.Sqrt(w.Average(v => (v - mean) * (v - mean))), 0.98, 1.02);
    }

    [Fact]
    public void GeluModuleAppliesTheOp()
    {
        using var x = Tensor.FromArray([-2f, -0.5f, 0f, 0.7f, 3f], 5);
        using var exact = new Gelu();
        using var tanh = new Gelu("tanh");
        using var scope = TensorScope.Begin();
        Assert.Equal(Ops.Gelu(x).ToArray(), exact.Forward(x).ToArray());
        Assert.Equal(Ops.Gelu(x, "tanh").ToArray(), tanh.Forward(x).ToArray());
    }

    /// <summary>Replaces every parameter with N(0, 0.5²) values so that no term of the math hides behind a zero or a one.</summary>
    internal static void Randomize(Module module, int seed)
    {
        var generator = new Generator((ulong)seed);
        using var scope = TensorScope.Begin();
        module.LoadStateDict(module.StateDict().ToDictionary(p => p.Key, p => Tensor.Randn(p.Value.Shape, generator, 0f, 0.5f)));
    }
}
