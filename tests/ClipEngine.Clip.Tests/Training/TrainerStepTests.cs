using ClipEngine.Clip.Tests.Model;
using ClipEngine.Clip.Training;
using Xunit.Abstractions;

namespace ClipEngine.Clip.Tests.Training;

public sealed class TrainerStepTests(ITestOutputHelper output) : IDisposable
{
    private readonly Tensor _images = TrainingData.Images(8, seed: 11);
    private readonly Tensor _tokens = TrainingData.Tokens(8, seed: 12);

    public void Dispose()
    {
        _images.Dispose();
        _tokens.Dispose();
    }

    private static Dictionary<string, float[]> Gradients(ClipModel model) =>
        model.NamedParameters().ToDictionary(p => p.Key, p => p.Value.Grad!.ToArray());

    private TrainBatch Slice(int start, int count) =>
        new(Ops.Slice(_images, 0, start, count), Ops.Slice(_tokens, 0, start, count));

    [Fact]
    public void FourMicroBatchesGiveTheGradientsOfOneBigBatch()
    {
        using var model = ClipModel.FromConfig(TrainingData.Config, seed: 5);
        using var trainer = new Trainer(model, TrainingData.Options("unused") with { BatchSize = 2, AccumFreq = 4 });
        using var whole = Slice(0, 8);
        var bigLoss = trainer.ComputeGradients([whole]);
        var big = Gradients(model);

        using var scope = TensorScope.Begin();
        TrainBatch[] micro = [Slice(0, 2), Slice(2, 2), Slice(4, 2), Slice(6, 2)];
        var accumulatedLoss = trainer.ComputeGradients(micro);
        var accumulated = Gradients(model);

        Assert.Equal(bigLoss, accumulatedLoss, 1e-6f);
        var worst = 0.0;
        foreach (var (name, expected) in big)
            worst = Math.Max(worst, Relative.Check(name, accumulated[name], Array.ConvertAll(expected, v => (double)v), 1e-5));
        output.WriteLine($"{big.Count} gradients, worst relative difference {worst:E3} (logit_scale: {accumulated["logit_scale"][0]} vs {big["logit_scale"][0]})");
    }

    [Fact]
    public void ActivationCheckpointingGivesIdenticalGradients()
    {
        using var plainModel = ClipModel.FromConfig(TrainingData.Config, seed: 5);
        using var checkpointedModel = ClipModel.FromConfig(TrainingData.Config, seed: 5);
        using var plain = new Trainer(plainModel, TrainingData.Options("unused"));
        using var checkpointed = new Trainer(checkpointedModel, TrainingData.Options("unused") with { GradCheckpointing = true });
        Assert.True(checkpointedModel.Visual.Transformer.GradCheckpointing && checkpointedModel.Transformer.GradCheckpointing);
        using var batch = Slice(0, 8);
        Assert.Equal(plain.ComputeGradients([batch]), checkpointed.ComputeGradients([batch]));
        var expected = Gradients(plainModel);
        foreach (var (name, actual) in Gradients(checkpointedModel))
            Assert.True(expected[name].AsSpan().SequenceEqual(actual), $"the gradient of {name} changed under activation checkpointing");
    }

    [Fact]
    public void WeightDecayGroupsFollowOpenClip()
    {
        using var tiny = new TinyVit();
        using var model = tiny.BuildModel();
        using var trainer = new Trainer(model, new TrainOptions { ModelConfig = tiny.Config, Steps = 10, Warmup = 1, Wd = 0.2 });
        var names = model.NamedParameters().ToDictionary(p => p.Value, p => p.Key);
        var (noDecay, decay) = (trainer.ParamGroups[0], trainer.ParamGroups[1]);
        Assert.Equal(0.0, noDecay.WeightDecay);
        Assert.Equal(0.2, decay.WeightDecay);

        // open_clip: exclude = p.ndim < 2 or "bn" in n or "ln" in n or "bias" in n or "logit_scale" in n — so the
        // 2-D positional and token embeddings are decayed, the 1-D class embedding is not.
        var blockWeights = new[] { "attn.in_proj_weight", "attn.out_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight" };
        var expectedDecay = new[] { "positional_embedding", "text_projection", "token_embedding.weight", "visual.positional_embedding", "visual.proj", "visual.conv1.weight" }
            .Concat(from tower in new[] { "visual.transformer", "transformer" }
                    from block in new[] { 0, 1 }
                    from weight in blockWeights
                    select $"{tower}.resblocks.{block}.{weight}")
            .Order(StringComparer.Ordinal);
        Assert.Equal(expectedDecay, decay.Parameters.Select(p => names[p]).Order(StringComparer.Ordinal));
        var expectedNoDecay = names.Values.Except(expectedDecay).Order(StringComparer.Ordinal);
        Assert.Equal(expectedNoDecay, noDecay.Parameters.Select(p => names[p]).Order(StringComparer.Ordinal));
        Assert.Contains("logit_scale", expectedNoDecay);
        Assert.Contains("visual.class_embedding", expectedNoDecay);
        output.WriteLine($"decay: {decay.Parameters.Count} tensors; no decay: {noDecay.Parameters.Count}");
    }

    [Fact]
    public void LearningRateWarmsUpLinearlyThenFollowsTheCosine()
    {
        const double lr = 1e-3;
        const long warmup = 3, steps = 10;
        using var model = ClipModel.FromConfig(TrainingData.Config, seed: 5);
        using var trainer = new Trainer(model, TrainingData.Options("unused") with { Lr = lr, Warmup = warmup, Steps = steps });
        static double Formula(long s) => s < warmup ? lr * (s + 1) / warmup : 0.5 * (1 + Math.Cos(Math.PI * (s - warmup) / (steps - warmup))) * lr;
        foreach (var s in new long[] { 0, 1, 2, 3, 5, 9 })
            Assert.Equal(Formula(s), trainer.Schedule.LrAt(s), 1e-15);

        using var batch = Slice(0, 4);
        for (var s = 0; s < 4; s++) Assert.Equal(Formula(s), trainer.TrainStep([batch]).Lr, 1e-15);

        using var constant = new Trainer(model, TrainingData.Options("unused") with { Lr = lr, Warmup = warmup, Steps = steps, LrScheduler = "const" });
        Assert.Equal(lr / warmup, constant.Schedule.LrAt(0), 1e-15);
        Assert.Equal(lr, constant.Schedule.LrAt(warmup), 1e-15);
        Assert.Equal(lr, constant.Schedule.LrAt(steps - 1), 1e-15);
    }

    [Theory]
    [InlineData(5f, true)]
    [InlineData(-0.5f, false)]
    public void LogitScaleIsClampedToZeroThroughLn100AfterEachStep(float start, bool aboveTheRange)
    {
        var expected = aboveTheRange ? (float)Math.Log(100) : 0f;
        using var model = ClipModel.FromConfig(TrainingData.Config, seed: 5);
        using var trainer = new Trainer(model, TrainingData.Options("unused") with { Lr = 1e-4, Warmup = 0 });
        using (var value = Tensor.Scalar(start)) model.LoadStateDict(new Dictionary<string, Tensor> { ["logit_scale"] = value }, strict: false);
        using var batch = Slice(0, 4);
        var result = trainer.TrainStep([batch]);
        Assert.Equal(expected, result.LogitScale);
        Assert.Equal(expected, model.LogitScale.Item());
        Assert.Equal((float)Math.Log(100), Trainer.MaxLogitScale);
    }

    [Fact]
    public void ALogitScaleInsideTheRangeIsLeftToTheOptimizer()
    {
        using var model = ClipModel.FromConfig(TrainingData.Config, seed: 5);
        using var trainer = new Trainer(model, TrainingData.Options("unused") with { Lr = 1e-2, Warmup = 0 });
        var before = model.LogitScale.Item();
        using var batch = Slice(0, 4);
        var after = trainer.TrainStep([batch]).LogitScale;
        Assert.NotEqual(before, after);
        Assert.InRange(after, 0f, Trainer.MaxLogitScale);
        Assert.InRange(Math.Abs(after - before), 1e-4, 0.05);
    }

    [Fact]
    public void ANaNStepChangesNothingAndIsCounted()
    {
        using var model = ClipModel.FromConfig(TrainingData.Config, seed: 5);
        using var trainer = new Trainer(model, TrainingData.Options("unused") with { GradClipNorm = 1.0 });
        using var good = Slice(0, 4);
        trainer.TrainStep([good]);
        var before = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value.ToArray());

        var images = good.Images.ToArray();
        images[17] = float.NaN;
        using var bad = new TrainBatch(Tensor.FromArray(images, good.Images.Shape), good.Tokens.Detach());
        var result = trainer.TrainStep([bad]);
        Assert.True(result.Skipped);
        Assert.True(float.IsNaN(result.Loss));
        Assert.Equal(2, result.Step);
        Assert.Equal(1, trainer.ConsecutiveBadSteps);
        foreach (var (name, parameter) in model.NamedParameters())
            Assert.True(before[name].AsSpan().SequenceEqual(parameter.ToArray()), $"{name} changed in a skipped step");
        Assert.All(model.Parameters(), p => Assert.Null(p.Grad));

        Assert.False(trainer.TrainStep([good]).Skipped);
        Assert.Equal(0, trainer.ConsecutiveBadSteps);
    }

    [Fact]
    public void Bf16OnTheCpuIsReportedAsTheFp32ItComputesIn()
    {
        using var model = ClipModel.FromConfig(TrainingData.Config, seed: 5);
        using var plain = new Trainer(model, TrainingData.Options("unused"));
        using var bf16 = new Trainer(model, TrainingData.Options("unused") with { Precision = "bf16" });
        Assert.Equal("fp32", plain.Precision);
        Assert.Equal("fp32 (bf16 requested; the Cpu backend computes in fp32)", bf16.Precision);
    }
}
