using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Ops;

using Ops = ClipEngine.Ops;

public class MatMulTests
{
    /// <summary>Float64 op(a)·op(b) with torch.matmul's broadcasting of the batch axes.</summary>
    private static double[] MatMulReference(double[] a, int[] shapeA, bool transA, double[] b, int[] shapeB, bool transB)
    {
        int[] batchA = shapeA[..^2], batchB = shapeB[..^2];
        var batch = ShapeUtil.Broadcast(batchA, batchB);
        int m = transA ? shapeA[^1] : shapeA[^2], k = transA ? shapeA[^2] : shapeA[^1], n = transB ? shapeB[^2] : shapeB[^1];
        var count = (int)ShapeUtil.NumEl(batch);
        var c = new double[count * m * n];
        for (var i = 0; i < count; i++)
        {
            var offsetA = Reference.Index(i, batch, batchA) * m * k;
            var offsetB = Reference.Index(i, batch, batchB) * k * n;
            for (var r = 0; r < m; r++)
            {
                for (var col = 0; col < n; col++)
                {
                    double sum = 0;
                    for (var p = 0; p < k; p++)
                        sum += a[offsetA + (transA ? p * m + r : r * k + p)] * b[offsetB + (transB ? col * k + p : p * n + col)];
                    c[(i * m + r) * n + col] = sum;
                }
            }
        }
        return c;
    }

    private static int[] ResultShape(int[] shapeA, bool transA, int[] shapeB, bool transB) =>
        [.. ShapeUtil.Broadcast(shapeA[..^2], shapeB[..^2]), transA ? shapeA[^1] : shapeA[^2], transB ? shapeB[^2] : shapeB[^1]];

    public static TheoryData<int[], int[], bool, bool> Cases => new()
    {
        { [1, 1], [1, 1], false, false },
        { [3, 17], [17, 1], false, false },
        { [17, 3], [17, 65], true, false },
        { [5, 3], [4, 3], false, true },
        { [17, 5], [4, 17], true, true },
        { [2, 3, 5], [5, 4], false, false },
        { [2, 3, 5], [4, 5], false, true },
        { [2, 5, 3], [5, 4], true, false },
        { [2, 5, 3], [4, 5], true, true },
        { [3, 5], [2, 5, 4], false, false },
        { [5, 3], [2, 4, 5], true, true },
        { [2, 3, 5], [2, 5, 4], false, false },
        { [2, 3, 5], [2, 4, 5], false, true },
        { [2, 5, 3], [2, 5, 4], true, false },
        { [1, 3, 4], [2, 4, 5], false, false },
        { [2, 1, 3, 5], [1, 3, 5, 4], false, false },
        { [4, 1, 3, 5], [2, 5, 4], false, false },
        { [3, 2, 3, 5], [5, 4], false, false },
        { [0, 3], [3, 4], false, false },
        { [3, 0], [0, 4], false, false },
        { [3, 4], [4, 0], false, false },
        { [0, 3, 4], [4, 5], false, false },
        { [2, 33, 65], [65, 17], false, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatMulMatchesFloat64(int[] shapeA, int[] shapeB, bool transA, bool transB) =>
        OpCheck.Check(
            t => Ops.MatMul(t[0], t[1], transA, transB),
            v => MatMulReference(v[0], shapeA, transA, v[1], shapeB, transB),
            [InputSpec.Normal(shapeA), InputSpec.Normal(shapeB)],
            expectedShape: ResultShape(shapeA, transA, shapeB, transB));

    [Fact]
    public void LargeMatMulMatchesFloat64()
    {
        int[] shapeA = [200, 300], shapeB = [300, 150];
        // Float32 sums of 300 unit-normal products, partial sums near √300: rounding reaches a few 1e-5 absolute.
        OpCheck.Check(
            t => t[0].MatMul(t[1]),
            v => MatMulReference(v[0], shapeA, false, v[1], shapeB, false),
            [InputSpec.Normal(shapeA).Constant(), InputSpec.Normal(shapeB).Constant()],
            forwardTolerance: 5e-5,
            expectedShape: [200, 150]);
    }

    [Fact]
    public void GradientOfOneOperandOnly()
    {
        int[] shapeA = [2, 3, 5], shapeB = [5, 4];
        OpCheck.Check(t => Ops.MatMul(t[0], t[1]), v => MatMulReference(v[0], shapeA, false, v[1], shapeB, false),
            [InputSpec.Normal(shapeA).Constant(), InputSpec.Normal(shapeB)]);
        OpCheck.Check(t => Ops.MatMul(t[0], t[1]), v => MatMulReference(v[0], shapeA, false, v[1], shapeB, false),
            [InputSpec.Normal(shapeA), InputSpec.Normal(shapeB).Constant()]);
    }

    [Fact]
    public void IncompatibleOperandsNameTheirShapes()
    {
        using var a = Tensor.Zeros([2, 3, 5]);
        using var b = Tensor.Zeros([4, 5]);
        var error = Assert.Throws<ArgumentException>(() => Ops.MatMul(a, b));
        Assert.Contains("[2, 3, 5] · [4, 5]", error.Message);
        Assert.Contains("5 and 4", error.Message);
        using var c = Tensor.Zeros([3, 5, 4]);
        Assert.Contains("batch", Assert.Throws<ArgumentException>(() => Ops.MatMul(a, c)).Message);
        using var v = Tensor.Zeros([5]);
        Assert.Contains("rank", Assert.Throws<ArgumentException>(() => Ops.MatMul(a, v)).Message);
    }

    private static double[] LinearReference(double[] x, double[] w, double[]? bias, int inFeatures, int outFeatures)
    {
        var y = MatMulReference(x, [x.Length / Math.Max(inFeatures, 1), inFeatures], false, w, [outFeatures, inFeatures], true);
        return bias is null ? y : y.Select((v, i) => v + bias[i % outFeatures]).ToArray();
    }

    public static TheoryData<int[], int> LinearCases => new()
    {
        { [17], 5 },
        { [3, 17], 5 },
        { [2, 3, 17], 5 },
        { [4, 3], 65 },
        { [1, 1], 1 },
        { [0, 17], 5 },
        { [2, 65, 33], 17 },
    };

    [Theory]
    [MemberData(nameof(LinearCases))]
    public void LinearMatchesFloat64(int[] shape, int outFeatures)
    {
        var inFeatures = shape[^1];
        int[] expectedShape = [.. shape[..^1], outFeatures];
        OpCheck.Check(t => Ops.Linear(t[0], t[1], t[2]), v => LinearReference(v[0], v[1], v[2], inFeatures, outFeatures),
            [InputSpec.Normal(shape), InputSpec.Normal(outFeatures, inFeatures), InputSpec.Normal(outFeatures)], expectedShape: expectedShape);
        OpCheck.Check(t => Ops.Linear(t[0], t[1]), v => LinearReference(v[0], v[1], null, inFeatures, outFeatures),
            [InputSpec.Normal(shape), InputSpec.Normal(outFeatures, inFeatures)], expectedShape: expectedShape);
    }

    [Fact]
    public void LinearWithEmptyInputFeaturesIsTheBias()
    {
        OpCheck.Check(t => Ops.Linear(t[0], t[1], t[2]), v => [.. v[2], .. v[2]],
            [InputSpec.Normal(2, 0), InputSpec.Normal(3, 0), InputSpec.Normal(3)], expectedShape: [2, 3]);
    }

    [Fact]
    public void LinearEqualsMatMulPlusBias() =>
        OpCheck.Equivalent(
            t => Ops.Linear(t[0], t[1], t[2]),
            t => Ops.MatMul(t[0], t[1], transB: true) + t[2],
            [InputSpec.Normal(2, 7, 33), InputSpec.Normal(17, 33), InputSpec.Normal(17)]);

    [Fact]
    public void LinearRejectsMismatchedShapes()
    {
        using var x = Tensor.Zeros([2, 3]);
        using var w = Tensor.Zeros([4, 5]);
        Assert.Contains("[2, 3]", Assert.Throws<ArgumentException>(() => Ops.Linear(x, w)).Message);
        using var w2 = Tensor.Zeros([4, 3]);
        using var bias = Tensor.Zeros([3]);
        Assert.Contains("bias [3]", Assert.Throws<ArgumentException>(() => Ops.Linear(x, w2, bias)).Message);
    }
}
