using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Ops;

using Ops = ClipEngine.Ops;

public class SliceConcatTests
{
    /// <summary>Float64 concatenation of row-major tensors along an axis.</summary>
    private static double[] ConcatReference(double[][] xs, int[][] shapes, int axis)
    {
        var outer = shapes[0].Take(axis).Aggregate(1, (p, d) => p * d);
        var result = new List<double>();
        for (var o = 0; o < outer; o++)
        {
            for (var i = 0; i < xs.Length; i++)
            {
                var block = shapes[i].Skip(axis).Aggregate(1, (p, d) => p * d);
                result.AddRange(xs[i].Skip(o * block).Take(block));
            }
        }
        return [.. result];
    }

    public static TheoryData<int[], int, int, int> SliceCases => new()
    {
        { [17], 0, 3, 5 },
        { [1], 0, 0, 1 },
        { [3, 17], 1, 16, 1 },
        { [3, 17], 0, 1, 2 },
        { [2, 3, 5], 1, -2, 2 },
        { [2, 65, 3], -2, 7, 33 },
        { [4, 65], 1, 4, 0 },
        { [0, 3], 1, 1, 2 },
    };

    [Theory]
    [MemberData(nameof(SliceCases))]
    public void SliceMatchesFloat64(int[] shape, int axis, int start, int length)
    {
        var a = axis < 0 ? axis + shape.Length : axis;
        var from = start < 0 ? start + shape[a] : start;
        var expectedShape = (int[])shape.Clone();
        expectedShape[a] = length;
        var inner = shape.Skip(a + 1).Aggregate(1, (p, d) => p * d);
        var outer = shape.Take(a).Aggregate(1, (p, d) => p * d);
        OpCheck.Check(
            t => Ops.Slice(t[0], axis, start, length),
            v => Enumerable.Range(0, outer).SelectMany(o => v[0].Skip((o * shape[a] + from) * inner).Take(length * inner)).ToArray(),
            [InputSpec.Normal(shape)],
            expectedShape: expectedShape);
    }

    [Fact]
    public void SliceOutsideTheAxisNamesTheShape()
    {
        using var x = Tensor.Zeros([3, 5]);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Slice(x, 1, 3, 3));
        Assert.Contains("[3, 5]", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Slice(x, 0, -4, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Slice(x, 0, 0, -1));
    }

    public static TheoryData<int[][], int> ConcatCases => new()
    {
        { [[3], [1], [17]], 0 },
        { [[2, 3], [2, 5]], 1 },
        { [[2, 3], [2, 5]], -1 },
        { [[2, 3, 4], [1, 3, 4], [0, 3, 4]], 0 },
        { [[2, 3, 1], [2, 3, 65]], 2 },
        { [[4, 1, 3], [4, 2, 3], [4, 17, 3]], 1 },
        { [[5, 2]], 0 },
    };

    [Theory]
    [MemberData(nameof(ConcatCases))]
    public void ConcatMatchesFloat64(int[][] shapes, int axis)
    {
        var a = axis < 0 ? axis + shapes[0].Length : axis;
        var expectedShape = (int[])shapes[0].Clone();
        expectedShape[a] = shapes.Sum(s => s[a]);
        OpCheck.Check(t => Ops.Concat(t, axis), v => ConcatReference(v, shapes, a), shapes.Select(s => InputSpec.Normal(s)).ToArray(), expectedShape: expectedShape);
    }

    public static TheoryData<int[], int, int> StackCases => new()
    {
        { [], 3, 0 },
        { [3], 1, 0 },
        { [3], 4, 1 },
        { [2, 3], 2, 1 },
        { [2, 3], 3, 2 },
        { [2, 3], 3, -1 },
        { [17, 5], 2, 0 },
        { [0, 4], 2, 1 },
    };

    [Theory]
    [MemberData(nameof(StackCases))]
    public void StackMatchesFloat64(int[] shape, int count, int axis)
    {
        var a = axis < 0 ? axis + shape.Length + 1 : axis;
        int[] unsqueezed = [.. shape[..a], 1, .. shape[a..]];
        int[] expectedShape = [.. shape[..a], count, .. shape[a..]];
        OpCheck.Check(
            t => Ops.Stack(t, axis),
            v => ConcatReference(v, Enumerable.Repeat(unsqueezed, count).ToArray(), a),
            Enumerable.Range(0, count).Select(_ => InputSpec.Normal(shape)).ToArray(),
            expectedShape: expectedShape);
    }

    [Fact]
    public void ConcatOnlyDifferentiatesInputsThatNeedIt()
    {
        using var a = Tensor.FromArray([1f, 2f], 2);
        using var b = Tensor.FromArray([3f], 1);
        a.RequiresGrad = true;
        using var y = Ops.Concat([a, b]);
        using var loss = Ops.Sum(y * y);
        loss.Backward();
        Assert.Equal([2f, 4f], a.Grad!.ToArray());
        Assert.Null(b.Grad);
    }

    [Fact]
    public void ConcatAndStackMoveIntegers()
    {
        using var a = Tensor.FromArray([1L, 2L, 3L, 4L], 2, 2);
        using var b = Tensor.FromArray([5L, 6L], 2, 1);
        using (var c = Ops.Concat([a, b], 1))
            Assert.Equal([1L, 2L, 5L, 3L, 4L, 6L], c.ToArray<long>());
        using var s = Ops.Stack([a, a], 2);
        Assert.Equal([2, 2, 2], s.Shape);
        Assert.Equal([1L, 1L, 2L, 2L, 3L, 3L, 4L, 4L], s.ToArray<long>());
        using var sliced = Ops.Slice(a, 0, 1, 1);
        Assert.Equal([3L, 4L], sliced.ToArray<long>());
    }

    [Fact]
    public void MismatchedInputsAreRejected()
    {
        using var a = Tensor.Zeros([2, 3]);
        using var b = Tensor.Zeros([3, 3]);
        using var i = Tensor.Zeros([2, 3], DType.I64);
        var error = Assert.Throws<ArgumentException>(() => Ops.Concat([a, b], 1));
        Assert.Contains("[2, 3], [3, 3]", error.Message);
        Assert.Throws<ArgumentException>(() => Ops.Concat([a, i]));
        Assert.Throws<ArgumentException>(() => Ops.Stack([a, b]));
        Assert.Throws<ArgumentException>(() => Ops.Concat([]));
        using var scalar = Tensor.Scalar(1f);
        Assert.Throws<ArgumentException>(() => Ops.Concat([scalar, scalar]));
    }
}
