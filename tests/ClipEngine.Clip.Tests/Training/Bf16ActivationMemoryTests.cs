using ClipEngine.Backends.Cuda;
using ClipEngine.Clip.Tests.Model;
using ClipEngine.Clip.Training;
using Xunit.Abstractions;

namespace ClipEngine.Clip.Tests.Training;

[CollectionDefinition(nameof(CudaMemoryCollection), DisableParallelization = true)]
public sealed class CudaMemoryCollection;

/// <summary>
/// What bf16 activations buy and keep on cuda:0 (the emulated driver in CI): the device memory of a training step,
/// measured by the caching allocator's peak, and activation checkpointing, which must recompute under the forward's
/// precision. Alone in its collection, so that no other test allocates on the device while the peak is measured.
/// </summary>
[Collection(nameof(CudaMemoryCollection))]
public sealed class Bf16ActivationMemoryTests(ITestOutputHelper output)
{
    /// <summary>A CLIP whose activations outweigh its parameters: 65 image tokens of width 64, batch 8.</summary>
    private static readonly ClipConfig Config = new()
    {
        EmbedDim = 32,
        Vision = new VisionConfig { ImageSize = 32, Width = 64, Layers = 2, PatchSize = 4, HeadWidth = 16 },
        Text = new TextConfig { ContextLength = TrainingData.ContextLength, VocabSize = TrainingData.VocabSize, Width = 64, Heads = 4, Layers = 2 },
    };

    /// <summary>
    /// In a step's peak the activations dominate, and under bf16 all but the layer norms' outputs, the residual stream
    /// and the small fp32 tensors around the loss are half the size; the BF16 copies of the GEMM operands that the
    /// nodes keep take back part of it. The peak must come down by at least a fifth.
    /// </summary>
    [Fact]
    public void Bf16ActivationsCutTheStepsPeakDeviceMemory()
    {
        var device = ClipCudaTestDevice.Device;
        var allocator = ((CudaBackend)Backends.BackendRegistry.For(device)).Allocator;
        using var model = ClipModel.FromConfig(Config, seed: 9, device);
        using var batch = new TrainBatch(Tensor.Randn([8, 3, 32, 32], new Generator(13)), TrainingData.Tokens(8, seed: 14));

        long Peak(string precision)
        {
            using var trainer = new Trainer(model, TrainingData.Options("unused") with { ModelConfig = Config, Precision = precision });
            trainer.ComputeGradients([batch]);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            allocator.Trim();
            var before = allocator.Stats.AllocatedBytes;
            allocator.ResetPeak();
            trainer.ComputeGradients([batch]);
            return allocator.Stats.PeakAllocatedBytes - before;
        }

        var fp32 = Peak("fp32");
        var bf16 = Peak("bf16");
        output.WriteLine($"peak device memory of a step above the resident weights and gradients: fp32 {fp32 / 1024.0:F0} KiB, bf16 {bf16 / 1024.0:F0} KiB ({(double)bf16 / fp32:P0})");
        Assert.InRange((double)bf16 / fp32, 0.3, 0.8);
    }

    /// <summary>
    /// A checkpointed block recomputes at its forward's precision even when backward runs outside the autocast scope,
    /// so the gradients equal those of the plain bf16 graph exactly.
    /// </summary>
    [Fact]
    public void CheckpointingUnderBf16GivesThePlainBf16Gradients()
    {
        var device = ClipCudaTestDevice.Device;
        using var tiny = new TinyVit();
        using var model = tiny.BuildModel(device);
        float[][] Gradients(bool checkpointing)
        {
            model.Visual.Transformer.GradCheckpointing = checkpointing;
            model.Transformer.GradCheckpointing = checkpointing;
            using var scope = TensorScope.Begin();
            Tensor loss;
            using (Autocast.Enable(DType.BF16))
                loss = model.Loss(tiny.Images.To(device), tiny.Tokens.To(device));
            loss.Backward();
            float[][] grads = [.. model.Parameters().Select(p => p.Grad!.ToArray<float>())];
            foreach (var p in model.Parameters()) p.ZeroGrad();
            return grads;
        }

        var plain = Gradients(checkpointing: false);
        var checkpointed = Gradients(checkpointing: true);
        for (var i = 0; i < plain.Length; i++) Assert.Equal(plain[i], checkpointed[i]);
    }
}
