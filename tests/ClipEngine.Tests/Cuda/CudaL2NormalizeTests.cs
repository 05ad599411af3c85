namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;
using Ops = ClipEngine.Ops;

/// <summary>
/// Row-wise L2 normalisation, forward and backward, on the Cuda backend against the Cpu backend, including rows whose
/// norm is below eps; tolerance 1e-5 (fp32 on both sides, see <see cref="CpuVsCuda.AssertClose"/>).
/// </summary>
[Collection(CudaTestDevice.Collection)]
public class CudaL2NormalizeTests
{
    // Two rows of 1000: a normal wide row besides the tiny last one.
    public static TheoryData<int, int> Shapes => RowShapes.With((2, 1000));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardAndBackwardMatchCpu(int rows, int d)
    {
        const float eps = 1e-6f;
        var values = Normal(rows * d, d);
        // The last row is tiny, so its norm is below eps and the backward takes the gy / eps branch.
        for (var j = 0; j < d; j++) values[(rows - 1) * d + j] *= 1e-9f;
        using var x = Tensor.FromArray(values, rows, d);
        using var gy = Tensor.FromArray(Normal(rows * d, d + 1), rows, d);

        var forward = CpuVsCuda.Run([x], [[rows, d], [rows]], (backend, t, o) => backend.L2Normalize(t[0]!, eps, o[0], o[1]));
        CpuVsCuda.AssertAllClose(forward, 1e-5, $"[{rows}, {d}]", "y", "norms");

        using var y = Tensor.FromArray(forward.Cpu[0], rows, d);
        using var norms = Tensor.FromArray(forward.Cpu[1], rows);
        var backward = CpuVsCuda.Run([gy, y, norms], [[rows, d]], (backend, t, o) => backend.L2NormalizeBackward(t[0]!, t[1]!, t[2]!, eps, o[0]));
        CpuVsCuda.AssertAllClose(backward, 1e-5, $"[{rows}, {d}]", "gx");
    }

    [Fact]
    public void AZeroRowStaysZero()
    {
        using var x = Tensor.FromArray([0f, 0f, 0f, 3f, 4f, 0f], 2, 3);
        var forward = CpuVsCuda.Run([x], [[2, 3], [2]], (backend, t, o) => backend.L2Normalize(t[0]!, 1e-12f, o[0], o[1]));
        Assert.Equal([0f, 0f, 0f, 0.6f, 0.8f, 0f], forward.Cuda[0]);
        Assert.Equal([0f, 5f], forward.Cuda[1]);
    }

    [Fact]
    public void AutogradOnCudaTensorsMatchesCpu()
    {
        using var x = Tensor.FromArray(Normal(5 * 65, 31), 5, 65);
        using var g = Tensor.FromArray(Normal(5 * 65, 32), 5, 65);
        var cpu = AutogradRun.Gradients(t => Ops.L2Normalize(t[0]), [x], g, Device.Cpu);
        var cuda = AutogradRun.Gradients(t => Ops.L2Normalize(t[0]), [x], g, CudaTestDevice.Device);
        CpuVsCuda.AssertClose(cpu[0], cuda[0], 1e-5, "output");
        CpuVsCuda.AssertClose(cpu[1], cuda[1], 1e-5, "gradient");
    }
}
