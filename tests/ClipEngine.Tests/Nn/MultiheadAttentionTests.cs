using ClipEngine.IO;
using ClipEngine.Nn;
using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Nn;

public class MultiheadAttentionTests
{
    [Fact]
    public void ParametersHavePyTorchsNamesLayoutAndInitialisation()
    {
        using var mha = new MultiheadAttention(48, 4, new Generator(61));
        Assert.Equal(["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"], mha.StateDict().Keys);
        Assert.Equal([144, 48], mha.InProjWeight.Shape);
        Assert.Equal([144], mha.InProjBias!.Shape);
        Assert.Equal([48, 48], mha.OutProj.Weight.Shape);
        Assert.Equal(12, mha.HeadDim);
        Assert.All(mha.InProjBias.ToArray(), b => Assert.Equal(0f, b));
        Assert.All(mha.OutProj.Bias!.ToArray(), b => Assert.Equal(0f, b));
        var xavier = Math.Sqrt(6.0 / (48 + 144));
        Assert.All(mha.InProjWeight.ToArray(), w => Assert.InRange(w, -xavier, xavier));
        Assert.True(mha.InProjWeight.ToArray().Max() > 0.9 * xavier);
        using var noBias = new MultiheadAttention(8, 2, new Generator(62), bias: false);
        Assert.Equal(["in_proj_weight", "out_proj.weight"], noBias.StateDict().Keys);
    }

    public static TheoryData<int, int, int, int, bool> Cases => new()
    {
        { 2, 3, 8, 2, false },
        { 1, 5, 6, 3, true },
        { 2, 4, 4, 1, true },
        { 1, 1, 4, 2, false },
        { 3, 17, 4, 2, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesFloat64AndDifferentiatesInputAndEveryParameter(int batch, int length, int d, int heads, bool causal)
    {
        using var mha = new MultiheadAttention(d, heads, new Generator(63));
        LayerTests.Randomize(mha, 64);
        ModuleCheck.Check(
            mha,
            x => mha.Forward(x, causal),
            v => NnReference.MultiheadAttention(v[0], v[1], v[2], v[3], v[4], batch, length, d, heads, causal),
            InputSpec.Normal(batch, length, d));
    }

    [Fact]
    public void WithoutBiasesMatchesFloat64()
    {
        using var mha = new MultiheadAttention(6, 2, new Generator(65), bias: false);
        ModuleCheck.Check(
            mha,
            mha.Forward,
            v => NnReference.MultiheadAttention(v[0], v[1], null, v[2], null, 2, 3, 6, 2, causal: false),
            InputSpec.Normal(2, 3, 6));
    }

    [Fact]
    public void LoadsTheAttentionWeightsOfOpenAisClip()
    {
        const string prefix = "transformer.resblocks.1.attn.";
        var weights = SafeTensors.Load(Goldens.File("tiny_vit.weights.safetensors"));
        try
        {
            using var mha = new MultiheadAttention(48, 4, new Generator(66));
            var block = weights.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(p => p.Key[prefix.Length..], p => p.Value);
            var result = mha.LoadStateDict(block);
            Assert.Empty(result.MissingKeys);
            Assert.Equal(weights[prefix + "out_proj.weight"].ToBytes(), mha.OutProj.Weight.ToBytes());
            Assert.Equal(weights[prefix + "in_proj_bias"].ToBytes(), mha.InProjBias!.ToBytes());
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    [Fact]
    public void RejectsHeadsThatDoNotDivideTheWidthAndMisshapedInputs()
    {
        Assert.Contains("divisible", Assert.Throws<ArgumentException>(() => new MultiheadAttention(10, 4, new Generator(67))).Message);
        using var mha = new MultiheadAttention(8, 2, new Generator(68));
        using var x = Tensor.Zeros([2, 3, 6]);
        Assert.Contains("[2, 3, 6]", Assert.Throws<ArgumentException>(() => mha.Forward(x)).Message);
    }
}
