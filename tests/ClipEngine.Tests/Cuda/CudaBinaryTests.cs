using ClipEngine.Backends;
using ClipEngine.Backends.Cpu;

namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;
using Ops = ClipEngine.Ops;

/// <summary>Binary element-wise ops with broadcasting on the Cuda backend against the Cpu backend.</summary>
[Collection(CudaTestDevice.Collection)]
public class CudaBinaryTests
{
    public static TheoryData<int[], int[]> Shapes => new()
    {
        // same shapes: the float4 path and its tail
        { [1], [1] },
        { [3], [3] },
        { [17], [17] },
        { [1000], [1000] },
        { [4097], [4097] },
        { [2, 3, 5], [2, 3, 5] },
        { [1, 4097], [4097] },
        // broadcasting corners
        { [17], [1] },
        { [1], [4097] },
        { [4, 65], [65] },
        { [2, 3, 5], [3, 1] },
        { [1, 5], [4, 1] },
        { [2, 1, 3], [1, 4, 1] },
        { [], [3, 2] },
        { [3, 2], [] },
        { [0, 3], [3] },
        { [3, 1, 5, 1, 2], [1, 4, 1, 6, 1] },
        { [7, 1, 1, 1, 1, 1, 1, 1, 3], [1, 1, 1, 1, 1, 1, 1, 5, 1] },
        { [2, 1, 2, 1, 2, 1, 2, 1], [1, 2, 1, 2, 1, 2, 1, 2] },  // eight dimensions that cannot merge
        { [16, 1, 257], [1, 33, 257] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryOpMatchesCpu(int[] shapeA, int[] shapeB)
    {
        var shapeC = ShapeUtil.Broadcast(shapeA, shapeB);
        foreach (var op in Enum.GetValues<BinaryOp>())
        {
            // Division and pow get a positive right side (pow a positive base too), so the results stay finite and real.
            var a = Values(shapeA, 1, positive: op == BinaryOp.Pow);
            var b = Values(shapeB, 2, positive: op is BinaryOp.Div or BinaryOp.Pow);
            using var cpuA = Tensor.FromArray(a, shapeA);
            using var cpuB = Tensor.FromArray(b, shapeB);
            using var expected = Tensor.Empty(shapeC);
            CpuBackend.Instance.Binary(op, cpuA, cpuB, expected);
            using var deviceA = ToDevice(cpuA);
            using var deviceB = ToDevice(cpuB);
            using var actual = Empty(shapeC);
            Backend.Binary(op, deviceA, deviceB, actual);

            AssertMatches(op, expected.ToArray<float>(), actual.ToArray<float>(), $"{op} {ShapeUtil.Format(shapeA)} with {ShapeUtil.Format(shapeB)}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(4097)]
    public void OutputMayBeEitherInput(int n)
    {
        var a = Values([n], 3, positive: false);
        var b = Values([n], 4, positive: true);
        using var deviceA = ToDevice(Tensor.FromArray(a, n));
        using var deviceB = ToDevice(Tensor.FromArray(b, n));

        Backend.Binary(BinaryOp.Mul, deviceA, deviceB, deviceA);
        Backend.Binary(BinaryOp.Div, deviceA, deviceB, deviceB);

        var product = a.Select((v, i) => v * b[i]).ToArray();
        Assert.Equal(product, deviceA.ToArray<float>());
        Assert.Equal(product.Select((v, i) => v / b[i]), deviceB.ToArray<float>());
    }

    [Fact]
    public void OpsOnCudaTensorsRunOnTheCudaBackend()
    {
        var a = Values([4, 65], 5, positive: false);
        var b = Values([65], 6, positive: false);
        using var cpuA = Tensor.FromArray(a, 4, 65);
        using var cpuB = Tensor.FromArray(b, 65);
        using var deviceA = ToDevice(cpuA);
        using var deviceB = ToDevice(cpuB);
        using var expected = Ops.Add(cpuA, cpuB);

        using var sum = Ops.Add(deviceA, deviceB);

        Assert.Equal(Device, sum.Device);
        Assert.Equal(expected.ToArray<float>(), sum.ToArray<float>());
    }

    private static float[] Values(int[] shape, int seed, bool positive)
    {
        var values = Normal((int)ShapeUtil.NumEl(shape), seed);
        return positive ? [.. values.Select(v => 0.5f + MathF.Abs(v))] : values;
    }

    /// <summary>+, −, ×, ÷ are correctly rounded on both sides, so they must agree exactly; powf within a few ulp (up to 8).</summary>
    private static void AssertMatches(BinaryOp op, float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var tolerance = op == BinaryOp.Pow ? 1e-6 * Math.Abs(expected[i]) : 0;
            if (Math.Abs(expected[i] - actual[i]) > tolerance)
                Assert.Fail($"{what}: element {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
