using ClipEngine.Backends;

namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;
using Ops = ClipEngine.Ops;

/// <summary>
/// Layer norm forward and backward on the Cuda backend against the Cpu backend. Tolerance 1e-5 (see
/// <see cref="CpuVsCuda.AssertClose"/>): both sides compute in fp32 with sums in different orders; the Cpu backend sums
/// gWeight and gBias in double, so those get 2e-5 for the fp32 column sums over up to 130 rows.
/// </summary>
[Collection(CudaTestDevice.Collection)]
public class CudaLayerNormTests
{
    // 130 rows: several row chunks of the gWeight/gBias column sums.
    public static TheoryData<int, int> Shapes => RowShapes.With((130, 33));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardAndBackwardMatchCpu(int rows, int d)
    {
        foreach (var (affine, offset) in new[] { (true, 0f), (false, 0f), (true, 1000f) })
        {
            // A large offset checks the corrected two-pass variance: E[x²] − E[x]² would lose every digit.
            using var x = Tensor.FromArray([.. Normal(rows * d, d).Select(v => v + offset)], rows, d);
            using var weight = affine ? Tensor.FromArray(Normal(d, d + 1), d) : null;
            using var bias = affine ? Tensor.FromArray(Normal(d, d + 2), d) : null;
            using var gy = Tensor.FromArray(Normal(rows * d, d + 3), rows, d);
            var what = $"[{rows}, {d}] affine {affine} offset {offset}";

            var forward = CpuVsCuda.Run([x, weight, bias], [[rows, d], [rows], [rows]],
                (backend, t, o) => backend.LayerNorm(t[0]!, t[1], t[2], 1e-5f, o[0], o[1], o[2]));
            CpuVsCuda.AssertAllClose(forward, 1e-5, what, "y", "mean", "rstd");

            using var mean = Tensor.FromArray(forward.Cpu[1], rows);
            using var rstd = Tensor.FromArray(forward.Cpu[2], rows);
            var backward = CpuVsCuda.Run([gy, x, weight, mean, rstd], [[rows, d], [d], [d]],
                (backend, t, o) => backend.LayerNormBackward(t[0]!, t[1]!, t[2], t[3]!, t[4]!, o[0], o[1], o[2]));
            CpuVsCuda.AssertClose(backward.Cpu[0], backward.Cuda[0], 1e-5, $"{what} gx");
            CpuVsCuda.AssertClose(backward.Cpu[1], backward.Cuda[1], 2e-5, $"{what} gWeight");
            CpuVsCuda.AssertClose(backward.Cpu[2], backward.Cuda[2], 2e-5, $"{what} gBias");
        }
    }

    [Fact]
    public void ParameterGradientsAreTheSameOnEveryRun()
    {
        const int rows = 300, d = 40;
        using var x = ToDevice(Tensor.FromArray(Normal(rows * d, 7), rows, d));
        using var gy = ToDevice(Tensor.FromArray(Normal(rows * d, 8), rows, d));
        using var mean = Empty([rows]);
        using var rstd = Empty([rows]);
        using var y = Empty([rows, d]);
        Backend.LayerNorm(x, null, null, 1e-5f, y, mean, rstd);
        float[]? first = null;
        for (var run = 0; run < 3; run++)
        {
            using var gx = Empty([rows, d]);
            using var gWeight = Empty([d]);
            using var gBias = Empty([d]);
            Backend.LayerNormBackward(gy, x, null, mean, rstd, gx, gWeight, gBias);
            float[] sums = [.. gWeight.ToArray<float>(), .. gBias.ToArray<float>()];
            first ??= sums;
            Assert.Equal(first, sums);
        }
    }

    [Fact]
    public void NoRowsGiveZeroParameterGradients()
    {
        using var empty = Tensor.Empty([0, 5]);
        using var none = Tensor.Empty([0]);
        var results = CpuVsCuda.Run([empty, empty, none, none], [[0, 5], [5], [5]],
            (backend, t, o) => backend.LayerNormBackward(t[0]!, t[1]!, null, t[2]!, t[3]!, o[0], o[1], o[2]));
        Assert.Equal(new float[5], results.Cuda[1]);
        Assert.Equal(new float[5], results.Cuda[2]);
        CpuVsCuda.AssertAllClose(results, 0, "no rows");
    }

    [Fact]
    public void AutogradOnCudaTensorsMatchesCpu()
    {
        const int d = 33;
        using var x = Tensor.FromArray(Normal(4 * 3 * d, 11), 4, 3, d);
        using var weight = Tensor.FromArray(Normal(d, 12), d);
        using var bias = Tensor.FromArray(Normal(d, 13), d);
        using var g = Tensor.FromArray(Normal(4 * 3 * d, 14), 4, 3, d);
        var cpu = AutogradRun.Gradients(t => Ops.LayerNorm(t[0], t[1], t[2]), [x, weight, bias], g, Device.Cpu);
        var cuda = AutogradRun.Gradients(t => Ops.LayerNorm(t[0], t[1], t[2]), [x, weight, bias], g, CudaTestDevice.Device);
        for (var i = 0; i < cpu.Length; i++) CpuVsCuda.AssertClose(cpu[i], cuda[i], 2e-5, $"LayerNorm {(i == 0 ? "output" : $"gradient {i}")}");
    }
}
