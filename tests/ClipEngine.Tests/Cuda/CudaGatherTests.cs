using ClipEngine.Backends;
using ClipEngine.Backends.Cuda;

namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;

/// <summary>Row gathers, scatter-adds and the scatter along an axis on the Cuda backend against the Cpu backend and float64.</summary>
[Collection(CudaTestDevice.Collection)]
public class CudaGatherTests
{
    public static TheoryData<int, int, int> Tables => new()
    {
        // rows, width, indices
        { 1, 1, 1 },
        { 3, 17, 5 },
        { 17, 3, 65 },
        { 65, 257, 17 },
        { 5, 1, 257 },
    };

    [Theory]
    [MemberData(nameof(Tables))]
    public void GatherRowsMatchesCpuForEveryElementSizeAndIndexType(int rows, int width, int count)
    {
        foreach (var dtype in new[] { DType.F32, DType.BF16, DType.I64 })
        {
            foreach (var indexType in new[] { DType.I32, DType.I64 })
            {
                var table = RandomBytes((long)rows * width * dtype.SizeInBytes(), rows + width);
                using var run = BothBackends.Run((backend, t) => backend.GatherRows(t[0], t[1], t[2]),
                    Tensor.FromBytes(table, dtype, [rows, width]), Indices(count, rows, indexType, seed: count), Tensor.Empty([count, width], dtype));
                run.AssertBitwise(2, $"{count} rows of a {dtype} table [{rows}, {width}] by {indexType} indices");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Tables))]
    public void ScatterAddRowsAccumulatesRepeatedIndices(int rows, int width, int count)
    {
        foreach (var indexType in new[] { DType.I32, DType.I64 })
        {
            var initial = Normal(rows * width, rows);
            var gy = Normal(count * width, count);
            using var indices = Indices(count, rows, indexType, seed: width);
            var positions = indexType == DType.I64 ? indices.ToArray<long>() : [.. indices.ToArray<int>().Select(i => (long)i)];
            using var run = BothBackends.Run((backend, t) => backend.ScatterAddRows(t[0], t[1], t[2]),
                Tensor.FromArray(gy, count, width), indices.Clone(), Tensor.FromArray(initial, rows, width));
            var actual = run.Cuda[2].ToArray<float>();

            var expected = initial.Select(v => (double)v).ToArray();
            var magnitude = initial.Select(v => (double)Math.Abs(v)).ToArray();
            for (var i = 0; i < count; i++)
            {
                for (var c = 0; c < width; c++)
                {
                    expected[positions[i] * width + c] += gy[i * width + c];
                    magnitude[positions[i] * width + c] += Math.Abs(gy[i * width + c]);
                }
            }
            // atomicAdd sums repeated rows in any order: within (terms)·eps·Σ|terms| of the exact sum.
            for (var k = 0; k < expected.Length; k++)
                Assert.True(Math.Abs(actual[k] - expected[k]) <= 1e-6 * count * magnitude[k], $"element {k} of [{rows}, {width}] after {count} {indexType} rows: {actual[k]} vs {expected[k]}");
        }
    }

    [Theory]
    [InlineData(DType.I32)]
    [InlineData(DType.I64)]
    public void AnIndexOutOfRangeIsAnErrorNamingTheFirstBadPositionWhenTheHostNextWaits(DType indexType)
    {
        long[] bad = [1, 0, -1, 4, 7];
        using var table = ToDevice(Tensor.FromArray(Normal(12, 1), 4, 3));
        using var y = Empty([5, 3]);
        using (var indices = ToDevice(IndexTensor(bad, indexType)))
        {
            // The launches return without waiting for the device; the error comes at the next wait, even once the
            // caller has disposed of the indices.
            Backend.GatherRows(table, indices, y);
            Backend.ScatterAddRows(y, indices, table);
        }
        var gather = Assert.Throws<IndexOutOfRangeException>(Backend.Synchronize);
        Assert.Equal("GatherRows: index -1 (position 2) is out of range for a table of 4 rows", gather.Message);
        Assert.Null(Record.Exception(Backend.Synchronize));

        using (var indices = ToDevice(IndexTensor(bad, indexType)))
            Backend.ScatterAddRows(y, indices, table);
        var scatter = Assert.Throws<IndexOutOfRangeException>(() => y.ToArray<float>());
        Assert.Equal("ScatterAddRows: index -1 (position 2) is out of range for a table of 4 rows", scatter.Message);

        // The backend stays usable: a good gather after the error.
        using var good = ToDevice(IndexTensor([3, 0], indexType));
        using var two = Empty([2, 3]);
        Backend.GatherRows(table, good, two);
        Assert.Equal(table.ToArray<float>()[9..12], two.ToArray<float>()[..3]);
    }

    public static TheoryData<int, int, int> Axes => new()
    {
        { 1, 1, 1 },
        { 3, 17, 5 },
        { 2, 65, 1 },
        { 1, 3, 257 },
    };

    [Theory]
    [MemberData(nameof(Axes))]
    public void ScatterAlongAxisMatchesCpu(int outer, int n, int inner)
    {
        var values = Normal(outer * inner, n);
        var random = new Random(outer + n + inner);
        var positions = Enumerable.Range(0, outer * inner).Select(_ => (long)random.Next(n)).ToArray();
        using var run = BothBackends.Run((backend, t) => backend.ScatterAlongAxis(t[0], t[1], outer, n, inner, t[2]),
            Tensor.FromArray(values, outer, inner), Tensor.FromArray(positions, outer, inner), Tensor.Full([outer, n, inner], 5));
        run.AssertBitwise(2, $"scatter into [{outer}, {n}, {inner}]");
    }

    [Fact]
    public void ScatterAlongAxisRefusesAnIndexOutsideTheAxis()
    {
        using var values = ToDevice(Tensor.FromArray(Normal(4, 1), 2, 2));
        using var indices = ToDevice(Tensor.FromArray(new long[] { 0, 2, 3, 1 }, 2, 2));
        using var destination = Empty([2, 3, 2]);
        Backend.ScatterAlongAxis(values, indices, 2, 3, 2, destination);
        var error = Assert.Throws<IndexOutOfRangeException>(Backend.Synchronize);
        Assert.Equal("ScatterAlongAxis: index 3 (position 2) is out of range for an axis of size 3", error.Message);
    }

    /// <summary>
    /// More launches than there are status slots: the one past them first checks those pending (all good here), so
    /// the bad launch after them is still reported, by its own op and position.
    /// </summary>
    [Fact]
    public void ChecksPastTheSlotCountAreStillReported()
    {
        using var table = ToDevice(Tensor.FromArray(Normal(12, 1), 4, 3));
        using var good = ToDevice(IndexTensor([3, 1], DType.I64));
        using var bad = ToDevice(IndexTensor([0, 2, 9], DType.I64));
        using var two = Empty([2, 3]);
        using var three = Empty([3, 3]);
        for (var i = 0; i < CudaBackend.IndexCheckSlots + 3; i++) Backend.GatherRows(table, good, two);
        Backend.GatherRows(table, bad, three);
        var error = Assert.Throws<IndexOutOfRangeException>(Backend.Synchronize);
        Assert.Equal("GatherRows: index 9 (position 2) is out of range for a table of 4 rows", error.Message);
        Assert.Equal(table.ToArray<float>()[9..12], two.ToArray<float>()[..3]);
    }

    /// <summary>count indices in [0, rows), every row hit more than once when count > rows.</summary>
    private static Tensor Indices(int count, int rows, DType dtype, int seed)
    {
        var random = new Random(seed);
        return IndexTensor([.. Enumerable.Range(0, count).Select(_ => (long)random.Next(rows))], dtype);
    }

    private static Tensor IndexTensor(long[] values, DType dtype) =>
        dtype == DType.I64 ? Tensor.FromArray(values, values.Length) : Tensor.FromArray([.. values.Select(v => (int)v)], values.Length);
}
