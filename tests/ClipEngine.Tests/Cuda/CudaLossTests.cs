namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;
using Ops = ClipEngine.Ops;

/// <summary>
/// Cross-entropy and the contrastive (CLIP) loss, forward and backward, on the Cuda backend against the Cpu backend.
/// The Cpu backend adds the per-row terms in double, this one in fp32: losses and log-sum-exps agree to 1e-5, and so do
/// gradients (element-wise from the saved log-sum-exps); see <see cref="CpuVsCuda.AssertClose"/>.
/// </summary>
[Collection(CudaTestDevice.Collection)]
public class CudaLossTests
{
    public static TheoryData<int, int> CrossEntropyShapes => RowShapes.With((2, 1000));

    [Theory]
    [MemberData(nameof(CrossEntropyShapes))]
    public void CrossEntropyMatchesCpu(int rows, int classes)
    {
        var random = new Random(rows * classes);
        using var logits = Tensor.FromArray([.. Normal(rows * classes, classes).Select(v => v * 10)], rows, classes);
        using var targets = Tensor.FromArray([.. Enumerable.Range(0, rows).Select(_ => (long)random.Next(classes))], rows);
        using var gLoss = Tensor.FromArray([0.7f]);
        var what = $"cross-entropy [{rows}, {classes}]";

        var forward = CpuVsCuda.Run([logits, targets], [[], [rows]], (backend, t, o) => backend.CrossEntropy(t[0]!, t[1]!, o[0], o[1]));
        CpuVsCuda.AssertAllClose(forward, 1e-5, what, "loss", "lse");

        using var lse = Tensor.FromArray(forward.Cpu[1], rows);
        var backward = CpuVsCuda.Run([gLoss, logits, targets, lse], [[rows, classes]],
            (backend, t, o) => backend.CrossEntropyBackward(t[0]!, t[1]!, t[2]!, t[3]!, o[0]));
        CpuVsCuda.AssertAllClose(backward, 1e-5, what, "gLogits");
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(17L)]
    public void ATargetOutsideTheClassesIsNamed(long target)
    {
        using var logits = ToDevice(Tensor.FromArray(Normal(3 * 17, 61), 3, 17));
        using var targets = ToDevice(Tensor.FromArray([0L, target, 2L], 3));
        using var loss = Empty([]);
        using var lse = Empty([3]);
        var error = Assert.Throws<ArgumentException>(() => Backend.CrossEntropy(logits, targets, loss, lse));
        Assert.Contains($"target {target} (row 1)", error.Message);
    }

    [Fact]
    public void CrossEntropyOfNoRowsIsNaNAsOnCpu()
    {
        using var logits = Tensor.Empty([0, 4]);
        using var targets = Tensor.Empty([0], DType.I64);
        var forward = CpuVsCuda.Run([logits, targets], [[], [0]], (backend, t, o) => backend.CrossEntropy(t[0]!, t[1]!, o[0], o[1]));
        Assert.True(float.IsNaN(forward.Cpu[0][0]));
        Assert.True(float.IsNaN(forward.Cuda[0][0]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(65)]
    [InlineData(257)]
    public void ContrastiveLossMatchesCpu(int n)
    {
        // Logits as CLIP makes them: cosine similarities times a logit scale of up to 100.
        using var logits = Tensor.FromArray([.. Normal(n * n, n).Select(v => v * 30)], n, n);
        using var gLoss = Tensor.FromArray([1.3f]);
        var what = $"contrastive loss [{n}, {n}]";

        var forward = CpuVsCuda.Run([logits], [[], [n], [n]], (backend, t, o) => backend.ContrastiveLoss(t[0]!, o[0], o[1], o[2]));
        CpuVsCuda.AssertAllClose(forward, 1e-5, what, "loss", "row lse", "column lse");

        using var rowLse = Tensor.FromArray(forward.Cpu[1], n);
        using var columnLse = Tensor.FromArray(forward.Cpu[2], n);
        var backward = CpuVsCuda.Run([gLoss, logits, rowLse, columnLse], [[n, n]],
            (backend, t, o) => backend.ContrastiveLossBackward(t[0]!, t[1]!, t[2]!, t[3]!, o[0]));
        CpuVsCuda.AssertAllClose(backward, 1e-5, what, "gLogits");
    }

    [Fact]
    public void AutogradOnCudaTensorsMatchesCpu()
    {
        using var logits = Tensor.FromArray([.. Normal(9 * 9, 71).Select(v => v * 5)], 9, 9);
        using var targets = Tensor.FromArray([.. Enumerable.Range(0, 9).Select(i => (long)(i * 4 % 9))], 9);
        using var g = Tensor.FromArray([0.5f]);
        var cases = new (string Name, Func<Tensor[], Tensor> Op, Tensor[] Inputs)[]
        {
            ("cross-entropy", t => Ops.CrossEntropy(t[0], t[1]), [logits, targets]),
            ("contrastive", t => Ops.ContrastiveLoss(t[0]), [logits]),
        };
        foreach (var (name, op, inputs) in cases)
        {
            var cpu = AutogradRun.Gradients(op, inputs, g, Device.Cpu);
            var cuda = AutogradRun.Gradients(op, inputs, g, CudaTestDevice.Device);
            CpuVsCuda.AssertClose(cpu[0], cuda[0], 1e-5, $"{name} loss");
            CpuVsCuda.AssertClose(cpu[1], cuda[1], 1e-5, $"{name} gradient");
        }
    }
}
