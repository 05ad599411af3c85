using ClipEngine.Clip.Tests.Model;
using ClipEngine.Clip.Training;
using Xunit.Abstractions;

namespace ClipEngine.Clip.Tests.Training;

/// <summary>
/// bf16 mixed precision on cuda:0 (the emulated driver in CI): the tiny golden ViT under autocast against the float64
/// goldens, and the trainer's precision: bf16 switching autocast on and saying so.
/// </summary>
public sealed class Bf16TrainingTests(ITestOutputHelper output) : IDisposable
{
    private const string Bf16Precision = "bf16 activations and GEMMs (fp32 accumulation), fp32 master weights";

    private readonly TrainingData.TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// bf16 GEMM inputs keep about 3 significant digits, so the loss is held to 1e-2 relative and every gradient to
    /// 5e-2 relative per tensor (fp32 meets 1e-5 and 1e-4); the worst gradient error must also exceed fp32's
    /// tolerance, showing that the GEMMs did run in bf16.
    /// </summary>
    [Fact]
    public void TinyVitUnderBf16AutocastStaysWithinBf16OfTheGoldens()
    {
        var device = ClipCudaTestDevice.Device;
        using var tiny = new TinyVit();
        using var scope = TensorScope.Begin();
        using var model = tiny.BuildModel(device);
        float[] loss;
        using (Autocast.Enable(DType.BF16))
        {
            var l = model.Loss(tiny.Images.To(device), tiny.Tokens.To(device));
            l.Backward();
            loss = l.ToArray();
        }
        var lossError = Relative.Check("loss", loss, tiny.Reference("loss"), 1e-2);
        var (worst, worstName) = (0.0, "");
        foreach (var (name, parameter) in model.NamedParameters())
        {
            Assert.Equal(DType.F32, parameter.Grad!.DType);
            var error = Relative.Check("grad." + name, parameter.Grad.ToArray(), tiny.Reference("grad." + name), 5e-2);
            if (error > worst) (worst, worstName) = (error, name);
        }
        output.WriteLine($"bf16 autocast: loss relative error {lossError:E3}, worst gradient relative error {worst:E3} ({worstName})");
        Assert.True(worst > 1e-4, $"the worst gradient error {worst:E3} is within fp32's tolerance: the GEMMs did not run in bf16");
    }

    [Fact]
    public void Bf16TrainerOnCudaComputesUnderAutocastWithFp32Weights()
    {
        var device = ClipCudaTestDevice.Device;
        using var model = ClipModel.FromConfig(TrainingData.Config, seed: 5, device);
        using var fp32 = new Trainer(model, TrainingData.Options("unused"));
        using var bf16 = new Trainer(model, TrainingData.Options("unused") with { Precision = "bf16" });
        Assert.Equal("fp32", fp32.Precision);
        Assert.Equal(Bf16Precision, bf16.Precision);

        using var batch = new TrainBatch(TrainingData.Images(4, seed: 11), TrainingData.Tokens(4, seed: 12));
        var reference = fp32.ComputeGradients([batch]);
        var step = bf16.TrainStep([batch]);
        Assert.False(Autocast.IsEnabled);
        Assert.False(step.Skipped);
        var error = Math.Abs(step.Loss - reference) / Math.Abs(reference);
        output.WriteLine($"bf16 trainer: loss {step.Loss} vs fp32 {reference} (relative {error:E3})");
        Assert.InRange(error, 1e-7, 1e-2);
        Assert.All(model.Parameters(), p => Assert.Equal(DType.F32, p.DType));
    }

    [Fact]
    public void ARunWithBf16OnCudaReportsItsPrecision()
    {
        _ = ClipCudaTestDevice.Device;
        using var images = TrainingData.Images(4, seed: 21);
        using var tokens = TrainingData.Tokens(4, seed: 22);
        var source = new InMemoryBatchSource(images, tokens, batchSize: 4, shuffle: false, seed: 0);
        var options = TrainingData.Options(Path.Combine(_dir.Path, "run")) with { Steps = 2, Warmup = 1, Precision = "bf16", Device = "cuda" };
        var result = Trainer.Run(options, source);
        Assert.True(result.Completed);
        Assert.Equal(Bf16Precision, result.Precision);
        Assert.True(float.IsFinite(result.Last!.Loss));
    }
}
