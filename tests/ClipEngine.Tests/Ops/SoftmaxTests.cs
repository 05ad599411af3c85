using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Ops;

using Ops = ClipEngine.Ops;

public class SoftmaxTests
{
    /// <summary>Odd sizes, no rows, single-element rows, and [300, 65]: enough rows to be split across threads.</summary>
    public static TheoryData<int[]> Shapes => new([1], [3], [4, 17], [2, 3, 65], [0, 5], [2, 1], [300, 65]);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SoftmaxAndLogSoftmaxMatchFloat64(int[] shape)
    {
        var n = shape[^1];
        OpCheck.Check(t => Ops.Softmax(t[0]), v => FusedReference.Softmax(v[0], n, log: false), [InputSpec.Normal(shape)], expectedShape: shape);
        OpCheck.Check(t => Ops.LogSoftmax(t[0]), v => FusedReference.Softmax(v[0], n, log: true), [InputSpec.Normal(shape)], expectedShape: shape);
    }

    [Fact]
    public void LargeLogitsDoNotOverflow()
    {
        // Rows mixing values near +90 and −90: exp(90) overflows float, exp(x − max) cannot.
        var spec = new InputSpec([3, 17], r => (r.Next(2) == 0 ? 90 : -90) + InputSpec.NextNormal(r));
        OpCheck.Check(t => Ops.Softmax(t[0]), v => FusedReference.Softmax(v[0], 17, log: false), [spec]);
        OpCheck.Check(t => Ops.LogSoftmax(t[0]), v => FusedReference.Softmax(v[0], 17, log: true), [spec]);
    }

    [Fact]
    public void MaskedEntriesGetZeroProbabilityAndZeroGradient()
    {
        // A causal mask: row i keeps entries 0..i. Finite differences cannot probe −inf, so the gradients are
        // checked against the closed forms y∘(g − Σg∘y) and g − softmax·Σg in float64.
        const int n = 5;
        var x = new double[n * n];
        var random = new Random(7);
        for (var i = 0; i < n; i++)
        for (var j = 0; j < n; j++)
            x[i * n + j] = j > i ? double.NegativeInfinity : (float)InputSpec.NextNormal(random);
        var g = Enumerable.Range(0, n * n).Select(_ => (double)(float)InputSpec.NextNormal(random)).ToArray();
        foreach (var log in new[] { false, true })
        {
            var y = FusedReference.Softmax(x, n, log);
            var expectedGrad = new double[n * n];
            for (var i = 0; i < n; i++)
            {
                var row = Enumerable.Range(i * n, n);
                var sumG = row.Sum(j => g[j]);
                var dot = row.Sum(j => g[j] * y[j]);
                foreach (var j in row) expectedGrad[j] = log ? g[j] - Math.Exp(y[j]) * sumG : y[j] * (g[j] - dot);
            }
            using var input = Tensor.FromDoubles(x, [n, n]);
            input.RequiresGrad = true;
            using var output = log ? Ops.LogSoftmax(input) : Ops.Softmax(input);
            using var upstream = Tensor.FromDoubles(g, [n, n]);
            output.Backward(upstream);
            var actual = output.ToArray();
            for (var j = 0; j < actual.Length; j++)
            {
                if (double.IsNegativeInfinity(y[j])) Assert.Equal(float.NegativeInfinity, actual[j]);
                else Assert.True(Math.Abs(actual[j] - y[j]) <= 1e-5 * (1 + Math.Abs(y[j])), $"log={log}: y[{j}] = {actual[j]}, expected {y[j]}");
            }
            OpCheck.AssertClose(expectedGrad, input.Grad!.ToArray(), 1e-5, $"gradient (log={log})");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FusedMatchesComposed(bool log)
    {
        Func<Tensor[], Tensor> fused = log ? t => Ops.LogSoftmax(t[0]) : t => Ops.Softmax(t[0]);
        Func<Tensor[], Tensor> composed = log ? t => Composed.LogSoftmax(t[0], -1) : t => Composed.Softmax(t[0], -1);
        OpCheck.Equivalent(fused, composed, [InputSpec.Normal(3, 5, 17)]);
    }

    [Fact]
    public void RejectsScalarsAndNonFloatTensors()
    {
        using var scalar = Tensor.Scalar(1f);
        Assert.Contains("rank", Assert.Throws<ArgumentException>(() => Ops.Softmax(scalar)).Message);
        using var ints = Tensor.FromArray([1, 2, 3], 3);
        Assert.Contains("I32", Assert.Throws<ArgumentException>(() => Ops.LogSoftmax(ints)).Message);
    }
}
