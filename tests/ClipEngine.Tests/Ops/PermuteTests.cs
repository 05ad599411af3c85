using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Ops;

using Ops = ClipEngine.Ops;

public class PermuteTests
{
    /// <summary>Float64 x.permute(perm) of a row-major tensor.</summary>
    private static double[] PermuteReference(double[] x, int[] shape, int[] perm)
    {
        var outShape = perm.Select(a => shape[a]).ToArray();
        var inStrides = ShapeUtil.Strides(shape);
        var result = new double[x.Length];
        for (var flat = 0; flat < x.Length; flat++)
        {
            long rem = flat, index = 0;
            for (var d = outShape.Length - 1; d >= 0; d--)
            {
                index += rem % outShape[d] * inStrides[perm[d]];
                rem /= outShape[d];
            }
            result[flat] = x[index];
        }
        return result;
    }

    public static TheoryData<int[], int[]> Cases => new()
    {
        { [1], [0] },
        { [3, 17], [1, 0] },
        { [65, 33], [1, 0] },
        { [2, 3, 5], [2, 0, 1] },
        { [2, 3, 5], [0, 2, 1] },
        { [2, 3, 5], [1, 0, 2] },
        { [2, 3, 4, 5], [0, 2, 1, 3] },
        { [2, 1, 3, 5], [2, 1, 3, 0] },
        { [4, 1, 65], [1, 0, 2] },
        { [3, 1, 1, 4], [0, 3, 1, 2] },
        { [2, 0, 3], [2, 1, 0] },
        { [3, 70, 40], [0, 2, 1] },
        { [2, 3, 5], [0, 1, 2] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void PermuteMatchesFloat64(int[] shape, int[] perm) =>
        OpCheck.Check(t => Ops.Permute(t[0], perm), v => PermuteReference(v[0], shape, perm), [InputSpec.Normal(shape)],
            expectedShape: perm.Select(a => shape[a]).ToArray());

    [Fact]
    public void LargeTransposeRunsOnSeveralThreads()
    {
        int[] shape = [2, 300, 130];
        OpCheck.Check(t => t[0].Transpose(1, 2), v => PermuteReference(v[0], shape, [0, 2, 1]), [InputSpec.Normal(shape).Constant()]);
    }

    [Fact]
    public void TransposeAndNegativeAxes()
    {
        int[] shape = [2, 3, 5];
        OpCheck.Check(t => Ops.Transpose(t[0], 0, -1), v => PermuteReference(v[0], shape, [2, 1, 0]), [InputSpec.Normal(shape)], expectedShape: [5, 3, 2]);
        OpCheck.Check(t => t[0].Permute(-1, 0, 1), v => PermuteReference(v[0], shape, [2, 0, 1]), [InputSpec.Normal(shape)], expectedShape: [5, 2, 3]);
    }

    [Fact]
    public void PermuteMovesElementsOfEveryWidth()
    {
        var values = Enumerable.Range(0, 24).Select(i => (double)i).ToArray();
        var expected = PermuteReference(values, [2, 3, 4], [2, 0, 1]);
        foreach (var dtype in new[] { DType.I64, DType.I32, DType.BF16 })
        {
            using var x = Tensor.FromDoubles(values, [2, 3, 4], dtype);
            using var y = Ops.Permute(x, 2, 0, 1);
            Assert.Equal(dtype, y.DType);
            Assert.Equal(expected.Select(v => (float)v), y.ToArray());
        }
    }

    [Fact]
    public void InvalidPermutationNamesTheShape()
    {
        using var x = Tensor.Zeros([2, 3]);
        var error = Assert.Throws<ArgumentException>(() => Ops.Permute(x, 0, 0));
        Assert.Contains("[2, 3]", error.Message);
        Assert.Throws<ArgumentException>(() => Ops.Permute(x, 1, 0, 2));
    }

    [Fact]
    public void ShapeViewsShareStorageAndPassGradients()
    {
        using var x = Tensor.Zeros([2, 1, 3]);
        using (var u = x.Unsqueeze(-1)) Assert.Equal([2, 1, 3, 1], u.Shape);
        using (var u = Ops.Unsqueeze(x, 0)) Assert.Equal([1, 2, 1, 3], u.Shape);
        using (var s = x.Squeeze(1)) Assert.Equal([2, 3], s.Shape);
        using (var s = x.Squeeze(0)) Assert.Equal([2, 1, 3], s.Shape);
        using (var s = Ops.Squeeze(x)) Assert.Equal([2, 3], s.Shape);
        using (var f = x.Flatten()) Assert.Equal([6], f.Shape);
        using (var f = x.Flatten(1)) Assert.Equal([2, 3], f.Shape);
        using (var f = x.Flatten(0, 1)) Assert.Equal([2, 3], f.Shape);
        using (var scalar = Tensor.Scalar(2f))
        using (var f = scalar.Flatten()) Assert.Equal([1], f.Shape);
        OpCheck.Check(t => Ops.Flatten(Ops.Unsqueeze(t[0], 1), 1), v => v[0], [InputSpec.Normal(3, 4, 5)], expectedShape: [3, 20]);
    }
}
