using ClipEngine.Backends;
using ClipEngine.Backends.Cpu;

namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;

/// <summary>Middle-axis reductions on the Cuda backend: sums against float64, max and argmax exactly against the Cpu backend.</summary>
[Collection(CudaTestDevice.Collection)]
public class CudaReduceTests
{
    public static TheoryData<int, int, int> Views => new()
    {
        // inner == 1: one block per row
        { 1, 1, 1 },
        { 3, 17, 1 },
        { 2, 1000, 1 },
        { 1, 4097, 1 },
        { 5, 33, 1 },
        // inner > 1: column tiles
        { 2, 3, 5 },
        { 3, 17, 33 },
        { 1, 4097, 3 },
        { 4, 1, 64 },
        { 2, 1000, 17 },
    };

    [Theory]
    [MemberData(nameof(Views))]
    public void SumAndMeanMatchFloat64(int outer, int n, int inner)
    {
        var x = Normal(outer * n * inner, n);
        foreach (var op in new[] { ReduceOp.Sum, ReduceOp.Mean })
        {
            var (expected, actual) = Run(op, x, outer, n, inner, withIndices: false);
            for (var o = 0; o < outer; o++)
            {
                for (var i = 0; i < inner; i++)
                {
                    double sum = 0, magnitude = 0;
                    for (var j = 0; j < n; j++)
                    {
                        var v = x[((long)o * n + j) * inner + i];
                        sum += v;
                        magnitude += Math.Abs(v);
                    }
                    var reference = op == ReduceOp.Mean ? sum / n : sum;
                    var scale = op == ReduceOp.Mean ? magnitude / n : magnitude;
                    // Float sums in any order stay within n·eps·Σ|x| of the exact sum; 1e-5 covers n = 4097 with room.
                    var tolerance = 1e-5 * scale + 1e-30;
                    var at = o * inner + i;
                    Assert.True(Math.Abs(actual.Values[at] - reference) <= tolerance, $"{op} [{outer}, {n}, {inner}] at ({o}, {i}): {actual.Values[at]} vs {reference}");
                    Assert.True(Math.Abs(expected.Values[at] - reference) <= tolerance, $"Cpu {op} at ({o}, {i})");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Views))]
    public void MaxAndArgMaxMatchCpuWithTiesAndNaNs(int outer, int n, int inner)
    {
        // Values on a coarse grid tie often; a NaN in some slices must win there, as in PyTorch.
        var x = Normal(outer * n * inner, n + 1).Select(v => MathF.Round(v * 2) / 2).ToArray();
        for (var k = 0; k < x.Length; k += 7 * n + 3) x[k] = float.NaN;
        foreach (var op in new[] { ReduceOp.Max, ReduceOp.ArgMax })
        {
            foreach (var withIndices in new[] { true, false })
            {
                var (expected, actual) = Run(op, x, outer, n, inner, withIndices);
                Assert.Equal(expected.Values, actual.Values);
                Assert.Equal(expected.Indices, actual.Indices);
            }
        }
    }

    [Fact]
    public void SumOfAnEmptyAxisIsZeroAndItsMeanNaN()
    {
        foreach (var inner in new[] { 1, 3 })
        {
            var (expected, actual) = Run(ReduceOp.Sum, [], 2, 0, inner, withIndices: false);
            Assert.Equal(expected.Values, actual.Values);
            Assert.All(actual.Values, v => Assert.Equal(0f, v));
            (expected, actual) = Run(ReduceOp.Mean, [], 2, 0, inner, withIndices: false);
            Assert.All(actual.Values, v => Assert.True(float.IsNaN(v)));
        }
    }

    [Fact]
    public void MaxOfAnEmptyAxisIsAnError()
    {
        using var x = Empty([2, 0]);
        using var y = Empty([2]);
        Assert.Throws<ArgumentException>(() => Backend.Reduce(ReduceOp.Max, x, 2, 0, 1, y, null));
    }

    private static (Result Expected, Result Actual) Run(ReduceOp op, float[] x, int outer, int n, int inner, bool withIndices)
    {
        int[] shape = [outer, n, inner], reduced = [outer, inner];
        using var cpuX = Tensor.FromArray(x, shape);
        using var cpuY = Tensor.Empty(reduced);
        using var cpuIndices = withIndices ? Tensor.Empty(reduced, DType.I64) : null;
        CpuBackend.Instance.Reduce(op, cpuX, outer, n, inner, cpuY, cpuIndices);

        using var deviceX = ToDevice(cpuX);
        using var deviceY = Empty(reduced);
        using var deviceIndices = withIndices ? Empty(reduced, DType.I64) : null;
        Backend.Reduce(op, deviceX, outer, n, inner, deviceY, deviceIndices);

        return (new Result(cpuY.ToArray<float>(), cpuIndices?.ToArray<long>()), new Result(deviceY.ToArray<float>(), deviceIndices?.ToArray<long>()));
    }

    private sealed record Result(float[] Values, long[]? Indices);
}
