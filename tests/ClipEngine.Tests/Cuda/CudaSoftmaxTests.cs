namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;
using Ops = ClipEngine.Ops;

/// <summary>
/// Softmax and log-softmax, forward and backward, on the Cuda backend against the Cpu backend; tolerance 1e-5 (fp32 on
/// both sides, row sums in different orders; see <see cref="CpuVsCuda.AssertClose"/>).
/// </summary>
[Collection(CudaTestDevice.Collection)]
public class CudaSoftmaxTests
{
    [Theory]
    [MemberData(nameof(RowShapes.All), MemberType = typeof(RowShapes))]
    public void ForwardAndBackwardMatchCpu(int rows, int n)
    {
        // Logits of up to ±100 (CLIP's logit scale) would overflow exp without the max subtraction; some are masked.
        var logits = Normal(rows * n, n).Select(v => v * 30).ToArray();
        for (var i = 1; i < logits.Length; i += 5) logits[i] = float.NegativeInfinity;
        using var x = Tensor.FromArray(logits, rows, n);
        using var gy = Tensor.FromArray(Normal(rows * n, n + 1), rows, n);
        foreach (var log in new[] { false, true })
        {
            var what = $"{(log ? "log-softmax" : "softmax")} [{rows}, {n}]";
            var forward = CpuVsCuda.Run([x], [[rows, n]], (backend, t, o) => backend.Softmax(t[0]!, o[0], log));
            CpuVsCuda.AssertAllClose(forward, 1e-5, what, "y");

            using var y = Tensor.FromArray(forward.Cpu[0], rows, n);
            var backward = CpuVsCuda.Run([gy, y], [[rows, n]], (backend, t, o) => backend.SoftmaxBackward(t[0]!, t[1]!, o[0], log));
            CpuVsCuda.AssertAllClose(backward, 1e-5, what, "gx");
        }
    }

    [Fact]
    public void AFullyMaskedRowIsNaNAsOnCpu()
    {
        using var x = Tensor.FromArray([float.NegativeInfinity, float.NegativeInfinity, 1f, 2f], 2, 2);
        foreach (var log in new[] { false, true })
        {
            var forward = CpuVsCuda.Run([x], [[2, 2]], (backend, t, o) => backend.Softmax(t[0]!, o[0], log));
            Assert.True(float.IsNaN(forward.Cuda[0][0]));
            CpuVsCuda.AssertAllClose(forward, 1e-6, "masked row", "y");
        }
    }

    [Fact]
    public void AutogradOnCudaTensorsMatchesCpu()
    {
        using var x = Tensor.FromArray(Normal(2 * 3 * 17, 21), 2, 3, 17);
        using var g = Tensor.FromArray(Normal(2 * 3 * 17, 22), 2, 3, 17);
        foreach (var log in new[] { false, true })
        {
            Func<Tensor[], Tensor> op = log ? t => Ops.LogSoftmax(t[0]) : t => Ops.Softmax(t[0]);
            var cpu = AutogradRun.Gradients(op, [x], g, Device.Cpu);
            var cuda = AutogradRun.Gradients(op, [x], g, CudaTestDevice.Device);
            CpuVsCuda.AssertClose(cpu[0], cuda[0], 1e-5, $"log {log} output");
            CpuVsCuda.AssertClose(cpu[1], cuda[1], 1e-5, $"log {log} gradient");
        }
    }
}
