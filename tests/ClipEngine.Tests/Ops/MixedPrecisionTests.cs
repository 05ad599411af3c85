using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Ops;

using Ops = ClipEngine.Ops;

/// <summary>
/// Dtype rules of the ops layer on the Cpu backend, which has no BF16 kernels: a BF16 input is widened to F32 (as
/// torch.autocast runs its fp32 ops), mixed BF16/F32 operands give F32, and every gradient reaches its tensor in the
/// tensor's own dtype, so a BF16 activation's gradient is the F32 one rounded once to BF16.
/// </summary>
public class MixedPrecisionTests
{
    public static TheoryData<string> Ops1 => ["LayerNorm", "Softmax", "LogSoftmax", "L2Normalize", "Sum", "Mean", "Gelu", "Mul2", "Max"];

    [Theory]
    [MemberData(nameof(Ops1))]
    public void ABf16InputIsWidenedAndItsGradientRoundedToBf16(string op)
    {
        using var scope = TensorScope.Begin();
        int[] shape = [4, 9];
        var values = Values(36, seed: 1);
        var weights = Tensor.FromArray(Values(36, seed: 2), shape);

        // Through a BF16 copy of the leaf.
        var x = Tensor.FromArray(values, shape);
        x.RequiresGrad = true;
        var narrow = Ops.Cast(x, DType.BF16);
        var y = Apply(op, narrow);
        Assert.Equal(DType.F32, y.DType);
        WeightedSum(y, weights).Backward();

        // The reference: the same op on an F32 leaf holding the BF16-rounded values.
        var rounded = Tensor.FromArray(narrow.ToArray(), shape);
        rounded.RequiresGrad = true;
        var expected = Apply(op, rounded);
        WeightedSum(expected, weights).Backward();

        Assert.Equal(expected.ToArray<float>(), y.ToArray<float>());
        Assert.Equal(DType.F32, x.Grad!.DType);
        var viaBf16 = Ops.Cast(rounded.Grad!, DType.BF16).ToArray();
        Assert.Equal(viaBf16, x.Grad.ToArray<float>());
        Assert.NotEqual(rounded.Grad!.ToArray<float>(), x.Grad.ToArray<float>());
    }

    [Fact]
    public void MixedOperandsGiveF32AndEachGradientItsOperandsDtype()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.FromArray(Values(12, seed: 3), 3, 4);
        var b = Tensor.FromArray(Values(4, seed: 4), 4);
        a.RequiresGrad = b.RequiresGrad = true;
        var narrowB = Ops.Cast(b, DType.BF16);
        var sum = Ops.Add(a, narrowB);
        var joined = Ops.Concat([a, Ops.Reshape(narrowB, 1, 4)], 0);
        Assert.Equal(DType.F32, sum.DType);
        Assert.Equal(DType.F32, joined.DType);

        var roundedB = narrowB.ToArray();
        var expectedSum = a.ToArray<float>().Select((v, i) => v + roundedB[i % 4]).ToArray();
        Assert.Equal(expectedSum, sum.ToArray<float>());
        Assert.Equal([.. a.ToArray<float>(), .. roundedB], joined.ToArray<float>());

        // d/db of Σ 0.3·(a + b) + Σ 0.7·concat: b collects 3·0.3 + 0.7 = 1.6 per element, rounded to BF16 on its way.
        Ops.Add(Ops.Sum(Ops.Mul(sum, 0.3f)), Ops.Sum(Ops.Mul(joined, 0.7f))).Backward();
        var gradB = BFloat16Bits.ToFloat(BFloat16Bits.FromFloat(3 * 0.3f)) + BFloat16Bits.ToFloat(BFloat16Bits.FromFloat(0.7f));
        Assert.All(b.Grad!.ToArray<float>(), g => Assert.Equal(gradB, g));
        Assert.All(a.Grad!.ToArray<float>(), g => Assert.Equal(0.3f + 0.7f, g, 6));
    }

    [Fact]
    public void BackwardConvertsAGivenGradientToTheRootsDtype()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray(Values(8, seed: 5), 8);
        x.RequiresGrad = true;
        var upstream = Values(8, seed: 6);
        Ops.Cast(x, DType.BF16).Backward(Tensor.FromArray(upstream, 8));
        var expected = upstream.Select(v => BFloat16Bits.ToFloat(BFloat16Bits.FromFloat(v))).ToArray();
        Assert.Equal(expected, x.Grad!.ToArray<float>());
    }

    [Fact]
    public void AutocastOnTheCpuLeavesEveryDtypeF32()
    {
        using var scope = TensorScope.Begin();
        using var autocast = Autocast.Enable(DType.BF16);
        var x = Tensor.FromArray(Values(12, seed: 7), 3, 4);
        var w = Tensor.FromArray(Values(8, seed: 8), 2, 4);
        var y = Ops.Gelu(Ops.Linear(x, w));
        Assert.Equal(DType.F32, y.DType);
    }

    private static Tensor Apply(string op, Tensor x) => op switch
    {
        "LayerNorm" => Ops.LayerNorm(x),
        "Softmax" => Ops.Softmax(x),
        "LogSoftmax" => Ops.LogSoftmax(x),
        "L2Normalize" => Ops.L2Normalize(x),
        "Sum" => Ops.Sum(x, 1),
        "Mean" => Ops.Mean(x, 0),
        "Gelu" => Ops.Gelu(x),
        "Mul2" => Ops.Mul(x, 2f),
        "Max" => Ops.Max(x, 1).Values,
        _ => throw new ArgumentException(op),
    };

    /// <summary>Σ y·w over y's elements with the first y.NumEl weights, so that every output gets its own upstream gradient.</summary>
    private static Tensor WeightedSum(Tensor y, Tensor weights)
    {
        var n = (int)y.NumEl;
        return Ops.Sum(Ops.Mul(Ops.Reshape(y, n), Ops.Slice(Ops.Reshape(weights, (int)weights.NumEl), 0, 0, n)));
    }

    private static float[] Values(int n, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (float)InputSpec.NextNormal(random))];
    }
}
