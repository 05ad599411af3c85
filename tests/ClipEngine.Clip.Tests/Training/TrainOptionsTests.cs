using ClipEngine.Clip.Training;

namespace ClipEngine.Clip.Tests.Training;

public sealed class TrainOptionsTests
{
    [Fact]
    public void DefaultsAreOpenClips()
    {
        var options = new TrainOptions();
        Assert.Equal(5e-4, options.Lr);
        Assert.Equal(0.2, options.Wd);
        Assert.Equal((0.9, 0.98), (options.Beta1, options.Beta2));
        Assert.Equal(1e-6, options.Eps);
        Assert.Equal(1, options.AccumFreq);
        Assert.Equal("cosine", options.LrScheduler);
        Assert.Equal("fp32", options.Precision);
        Assert.Null(options.GradClipNorm);
    }

    [Fact]
    public void JsonRoundTripsWithSnakeCaseNamesAndAnInlineModelConfig()
    {
        var options = TrainingData.Options("runs/x") with { GradClipNorm = 1.0, AccumFreq = 2, GradCheckpointing = true, Precision = "bf16", SaveEverySteps = 100 };
        var json = options.ToJson();
        foreach (var name in new[] { "\"batch_size\"", "\"grad_clip_norm\"", "\"accum_freq\"", "\"grad_checkpointing\"", "\"model_config\"", "\"vision_cfg\"", "\"save_every_steps\"" })
            Assert.Contains(name, json);
        Assert.Equal(options, TrainOptions.FromJson(json));
    }

    [Fact]
    public void JsonErrorsNameTheField()
    {
        var unknown = Assert.Throws<FormatException>(() => TrainOptions.FromJson("""{"model": "ViT-B-32", "learning_rate": 0.1}"""));
        Assert.Contains("learning_rate", unknown.Message);
        var mistyped = Assert.Throws<FormatException>(() => TrainOptions.FromJson("""{"model": "ViT-B-32", "batch_size": "many"}"""));
        Assert.Contains("batch_size", mistyped.Message);
        var badConfig = Assert.Throws<FormatException>(() => TrainOptions.FromJson("""{"model_config": {"embed_dim": 8}}"""));
        Assert.Contains("model_config", badConfig.Message);
    }

    [Theory]
    [InlineData("lr", """{"lr": -1}""")]
    [InlineData("batch_size", """{"batch_size": 0}""")]
    [InlineData("steps", """{"steps": 10, "epochs": 2}""")]
    [InlineData("warmup", """{"steps": 10, "warmup": 10}""")]
    [InlineData("beta2", """{"beta2": 1.0}""")]
    [InlineData("grad_clip_norm", """{"grad_clip_norm": 0}""")]
    [InlineData("accum_freq", """{"accum_freq": 0}""")]
    [InlineData("precision", """{"precision": "fp8"}""")]
    [InlineData("device", """{"device": "tpu"}""")]
    [InlineData("lr_scheduler", """{"lr_scheduler": "linear"}""")]
    [InlineData("max_bad_steps", """{"max_bad_steps": 0}""")]
    [InlineData("tokenizer", """{"tokenizer": "/no/such/tokenizer.txt"}""")]
    public void ValidationNamesTheBadField(string field, string json)
    {
        var defaults = """{"model": "ViT-B-32", "steps": 100, "warmup": 10, """;
        var merged = defaults + json.TrimStart('{');
        // Later duplicates win in System.Text.Json, so each case overrides the defaults it names.
        var error = Assert.Throws<ArgumentException>(() => TrainOptions.FromJson(merged).Validate());
        Assert.Contains(field + ":", error.Message);
    }

    [Fact]
    public void ModelResolvesFromAPresetAFileOrInline()
    {
        Assert.Equal(ClipConfig.FromPreset("ViT-B-32"), new TrainOptions { Model = "ViT-B/32" }.ResolveModelConfig());
        Assert.Equal(TrainingData.Config, new TrainOptions { ModelConfig = TrainingData.Config }.ResolveModelConfig());
        using var dir = new TrainingData.TempDir();
        var path = Path.Combine(dir.Path, "tiny.json");
        TrainingData.Config.Save(path);
        Assert.Equal(TrainingData.Config, new TrainOptions { Model = path }.ResolveModelConfig());
        var error = Assert.Throws<ArgumentException>(() => new TrainOptions { Model = "ViT-Q-99" }.ResolveModelConfig());
        Assert.StartsWith("model:", error.Message);
    }

    [Fact]
    public void EpochsBecomeWholeStepsPerEpoch()
    {
        var options = new TrainOptions { Model = "ViT-B-32", Epochs = 3, BatchSize = 4, AccumFreq = 2 };
        Assert.Equal(3 * (100 / 8), options.TotalSteps(100));
        Assert.Contains("epochs:", Assert.Throws<ArgumentException>(() => options.TotalSteps(null)).Message);
        Assert.Contains("epochs:", Assert.Throws<ArgumentException>(() => options.TotalSteps(7)).Message);
    }
}
