using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Ops;

using Ops = ClipEngine.Ops;

public class IndexSelectTests
{
    /// <summary>Float64 rows of a table [rows, width] at the given row numbers.</summary>
    private static double[] Rows(double[] table, int width, IEnumerable<double> indices) =>
        indices.SelectMany(i => table.Skip((int)i * width).Take(width)).ToArray();

    private static InputSpec Int32Index(int count, params int[] shape) => new(shape, r => r.Next(count), DType.I32, false);

    public static TheoryData<int[], int, int> EmbeddingCases => new()
    {
        { [5], 17, 3 },
        { [2, 3], 17, 3 },
        { [], 4, 65 },
        { [20], 3, 5 },
        { [1], 1, 1 },
        { [0], 4, 3 },
        { [3, 0], 4, 3 },
    };

    [Theory]
    [MemberData(nameof(EmbeddingCases))]
    public void EmbeddingMatchesFloat64(int[] indexShape, int vocabulary, int width)
    {
        foreach (var index in new[] { InputSpec.Index(vocabulary, indexShape), Int32Index(vocabulary, indexShape) })
        {
            OpCheck.Check(
                t => Ops.Embedding(t[0], t[1]),
                v => Rows(v[1], width, v[0]),
                [index, InputSpec.Normal(vocabulary, width)],
                expectedShape: [.. indexShape, width]);
        }
    }

    [Fact]
    public void RepeatedIndicesAddTheirGradients()
    {
        using var weight = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 3, 2);
        weight.RequiresGrad = true;
        using var indices = Tensor.FromArray([2L, 0L, 2L, 2L], 4);
        using var y = Ops.Embedding(indices, weight);
        Assert.Equal([5f, 6f, 1f, 2f, 5f, 6f, 5f, 6f], y.ToArray());
        using var loss = Ops.Sum(y);
        loss.Backward();
        Assert.Equal([1f, 1f, 0f, 0f, 3f, 3f], weight.Grad!.ToArray());
    }

    [Fact]
    public void OutOfRangeIndexIsNamedWithTheTableSize()
    {
        using var weight = Tensor.Zeros([5, 3]);
        foreach (var bad in new[] { 5L, -1L })
        {
            using var indices = Tensor.FromArray([0L, bad], 2);
            var error = Assert.Throws<IndexOutOfRangeException>(() => Ops.Embedding(indices, weight));
            Assert.Contains($"index {bad}", error.Message);
            Assert.Contains("5 rows", error.Message);
        }
        using var floats = Tensor.Zeros([2]);
        Assert.Throws<ArgumentException>(() => Ops.Embedding(floats, weight));
    }

    public static TheoryData<int[], int, int> IndexSelectCases => new()
    {
        { [4, 6, 3], 0, 5 },
        { [4, 6, 3], 1, 7 },
        { [4, 6, 3], -1, 2 },
        { [17], 0, 3 },
        { [3, 65], 1, 0 },
    };

    [Theory]
    [MemberData(nameof(IndexSelectCases))]
    public void IndexSelectMatchesFloat64(int[] shape, int axis, int count)
    {
        var a = axis < 0 ? axis + shape.Length : axis;
        var outer = shape.Take(a).Aggregate(1, (p, d) => p * d);
        var inner = shape.Skip(a + 1).Aggregate(1, (p, d) => p * d);
        var expectedShape = (int[])shape.Clone();
        expectedShape[a] = count;
        OpCheck.Check(
            t => Ops.IndexSelect(t[0], axis, t[1]),
            v => Enumerable.Range(0, outer).SelectMany(o => Rows(v[0].Skip(o * shape[a] * inner).ToArray(), inner, v[1])).ToArray(),
            [InputSpec.Normal(shape), InputSpec.Index(shape[a], count)],
            expectedShape: expectedShape);
    }

    public static TheoryData<int[]> SelectRowsShapes => new() { new[] { 3, 5, 4 }, new[] { 1, 1, 1 }, new[] { 2, 17 }, new[] { 4, 7, 2, 3 }, new[] { 0, 5, 2 } };

    [Theory]
    [MemberData(nameof(SelectRowsShapes))]
    public void SelectRowsPicksOnePositionPerBatchElement(int[] shape)
    {
        var width = shape.Skip(2).Aggregate(1, (p, d) => p * d);
        foreach (var index in new[] { InputSpec.Index(shape[1], shape[0]), Int32Index(shape[1], shape[0]) })
        {
            OpCheck.Check(
                t => Ops.SelectRows(t[0], t[1]),
                v => Rows(v[0], width, v[1].Select((position, b) => b * shape[1] + position)),
                [InputSpec.Normal(shape), index],
                expectedShape: [shape[0], .. shape[2..]]);
        }
    }

    [Fact]
    public void SelectRowsRejectsPositionsOutsideTheSequence()
    {
        using var x = Tensor.Zeros([2, 4, 3]);
        using var indices = Tensor.FromArray([1, 4], 2);
        var error = Assert.Throws<IndexOutOfRangeException>(() => Ops.SelectRows(x, indices));
        Assert.Contains("index 4", error.Message);
        Assert.Contains("size 4", error.Message);
        using var wrongLength = Tensor.FromArray([1, 2, 3], 3);
        Assert.Throws<ArgumentException>(() => Ops.SelectRows(x, wrongLength));
    }
}
