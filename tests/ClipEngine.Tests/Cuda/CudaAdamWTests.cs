using ClipEngine.Backends;
using ClipEngine.Optim;

namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;

/// <summary>The AdamW step on the Cuda backend: bitwise the Cpu backend's, step after step.</summary>
[Collection(CudaTestDevice.Collection)]
public class CudaAdamWTests
{
    public static TheoryData<int> Sizes => [1, 3, 17, 65, 257, 4097];

    [Theory]
    [MemberData(nameof(Sizes))]
    public void StepsAreBitwiseTheCpus(int n)
    {
        var param = Normal(n, n);
        using var run = BothBackends.Run((backend, t) =>
        {
            // Three steps with different hyperparameters, the moments carried from one to the next.
            AdamWStepArgs[] steps =
            [
                new(1e-3, 0.9, 0.999, 1e-8, 0.01, 1),
                new(3e-4, 0.9, 0.98, 1e-6, 0.2, 2, GradScale: 0.37f),
                new(5e-2, 0.8, 0.95, 1e-8, 0, 3),
            ];
            for (var s = 0; s < steps.Length; s++)
                backend.AdamWStep(t[0], t[1 + s], t[4], t[5], steps[s]);
        },
            Tensor.FromArray(param, n), Tensor.FromArray(Normal(n, n + 1), n), Tensor.FromArray(Normal(n, n + 2), n),
            Tensor.FromArray(Normal(n, n + 3), n), Tensor.Zeros([n]), Tensor.Zeros([n]));
        run.AssertBitwise(0, $"param of {n} after 3 steps");
        run.AssertBitwise(4, "first moment");
        run.AssertBitwise(5, "second moment");
        Assert.NotEqual(param, run.Cuda[0].ToArray<float>());
    }

    [Fact]
    public void TheOptimizerOnCudaParametersMatchesTheOneOnCpuParameters()
    {
        var values = Normal(65, 1);
        var grads = new[] { Normal(65, 2), Normal(65, 3) };
        using var cpu = Tensor.FromArray(values, 5, 13);
        using var cuda = ToDevice(cpu);
        cpu.RequiresGrad = true;
        cuda.RequiresGrad = true;
        using var cpuOptimizer = new AdamW([cpu], lr: 1e-2, weightDecay: 0.1);
        using var cudaOptimizer = new AdamW([cuda], lr: 1e-2, weightDecay: 0.1);
        foreach (var g in grads)
        {
            cpu.Grad = Tensor.FromArray(g, 5, 13);
            cuda.Grad = ToDevice(cpu.Grad);
            cpuOptimizer.Step(0.5f);
            cudaOptimizer.Step(0.5f);
            cpuOptimizer.ZeroGrad();
            cudaOptimizer.ZeroGrad();
        }
        Assert.Equal(cpu.ToArray<float>(), cuda.ToArray<float>());
    }
}
