using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Ops;

using Ops = ClipEngine.Ops;

public class ReductionTests
{
    /// <summary>Float64 reduction of the given axes of a row-major tensor, keeping them as size 1.</summary>
    private static double[] Reduce(double[] x, int[] shape, int[] axes, Func<IEnumerable<double>, double> f)
    {
        var outShape = shape.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray();
        var groups = new List<double>[(int)ShapeUtil.NumEl(outShape)];
        for (var i = 0; i < groups.Length; i++) groups[i] = [];
        var strides = ShapeUtil.Strides(shape);
        var outStrides = ShapeUtil.Strides(outShape);
        for (var flat = 0; flat < x.Length; flat++)
        {
            long target = 0;
            for (var d = 0; d < shape.Length; d++)
            {
                var coordinate = flat / strides[d] % shape[d];
                if (!axes.Contains(d)) target += coordinate * outStrides[d];
            }
            groups[target].Add(x[flat]);
        }
        return groups.Select(g => f(g)).ToArray();
    }

    public static TheoryData<int[], int[]> Cases => new()
    {
        { [7], [0] },
        { [3, 17], [1] },
        { [3, 17], [0] },
        { [2, 3, 5], [1] },
        { [2, 3, 5], [0, 2] },
        { [2, 3, 5], [1, 2] },
        { [4, 1, 65], [0, 1, 2] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void SumAndMeanOverAxes(int[] shape, int[] axes)
    {
        var kept = shape.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray();
        var dropped = shape.Where((_, i) => !axes.Contains(i)).ToArray();
        OpCheck.Check(t => Ops.Sum(t[0], axes, keepDim: true), v => Reduce(v[0], shape, axes, g => g.Sum()), [InputSpec.Normal(shape)], expectedShape: kept);
        OpCheck.Check(t => Ops.Mean(t[0], axes), v => Reduce(v[0], shape, axes, g => g.Average()), [InputSpec.Normal(shape)], expectedShape: dropped);
    }

    [Fact]
    public void SumOfEverythingIsAScalar()
    {
        OpCheck.Check(t => Ops.Sum(t[0]), v => [v[0].Sum()], [InputSpec.Normal(4, 5, 6)], expectedShape: []);
        OpCheck.Check(t => Ops.Mean(t[0]), v => [v[0].Average()], [InputSpec.Normal(129)], expectedShape: []);
    }

    [Fact]
    public void SumOverAnEmptyAxisIsZero()
    {
        using var x = Tensor.Zeros([3, 0]);
        using var s = Ops.Sum(x, 1);
        Assert.Equal([0f, 0f, 0f], s.ToArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MaxAndArgMaxAlongAnAxis(int[] shape, int[] axes)
    {
        var axis = axes[0];
        OpCheck.Check(t => Ops.Max(t[0], axis).Values, v => Reduce(v[0], shape, [axis], g => g.Max()), [InputSpec.Normal(shape)]);
        var random = new Random(3);
        var values = Enumerable.Range(0, (int)ShapeUtil.NumEl(shape)).Select(_ => (double)(float)random.NextDouble()).ToArray();
        using var x = Tensor.FromDoubles(values, shape);
        using var arg = Ops.ArgMax(x, axis);
        var expected = Reduce(values, shape, [axis], g => g.ToList().IndexOf(g.Max()));
        Assert.Equal(expected.Select(i => (long)i), arg.ToArray<long>());
        var (maxValues, indices) = Ops.Max(x, axis);
        using (maxValues)
        using (indices)
        {
            Assert.Equal(arg.ToArray<long>(), indices.ToArray<long>());
            Assert.Equal(Reduce(values, shape, [axis], g => g.Max()).Select(m => (float)m), maxValues.ToArray());
        }
    }

    [Fact]
    public void MaxTakesTheFirstOfEqualValues()
    {
        using var x = Tensor.FromArray([1f, 5f, 5f, 2f], 1, 4);
        using var arg = Ops.ArgMax(x, -1);
        Assert.Equal([1L], arg.ToArray<long>());
    }
}
