using ClipEngine.IO;
using ClipEngine.Nn;
using ClipEngine.Tests.Support;

namespace ClipEngine.Clip.Tests.Model;

public sealed class ClipModelTests : IDisposable
{
    /// <summary>Small enough to build in milliseconds, with 64-wide heads so that OpenAI's shape rule recovers it.</summary>
    private static readonly ClipConfig Small = new()
    {
        EmbedDim = 16,
        QuickGelu = true,
        Vision = new VisionConfig { ImageSize = 16, Width = 64, Layers = 2, PatchSize = 8 },
        Text = new TextConfig { ContextLength = 12, VocabSize = 50, Width = 128, Heads = 2, Layers = 3 },
    };

    private readonly TensorScope _scope = TensorScope.Begin();

    public void Dispose() => _scope.Dispose();

    [Fact]
    public void ParameterNamesAreOpenAisStateDictKeys()
    {
        using var tiny = new TinyVit();
        using var model = ClipModel.FromConfig(tiny.Config, seed: 1);
        Assert.Equal(tiny.Weights.Keys.Order(StringComparer.Ordinal), model.StateDict().Keys.Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in model.StateDict()) Assert.Equal(tiny.Weights[name].Shape, tensor.Shape);
        Assert.Equal(["positional_embedding", "text_projection", "logit_scale"], model.StateDict().Keys.Take(3));
    }

    [Fact]
    public void BuildsFromShapesAloneAsOpenAisBuildModel()
    {
        using var original = ClipModel.FromConfig(Small, seed: 2);
        var checkpoint = new Dictionary<string, Tensor>(original.StateDict())
        {
            // OpenAI's checkpoints carry these three non-parameters.
            ["input_resolution"] = Tensor.FromArray([16L], []),
            ["context_length"] = Tensor.FromArray([12L], []),
            ["vocab_size"] = Tensor.FromArray([50L], []),
        };
        Assert.Equal(Small, ClipConfig.InferFromStateDict(checkpoint));
        using var rebuilt = ClipModel.FromStateDict(checkpoint);
        Assert.Equal(Small, rebuilt.Config);
        using var images = Tensor.Randn([2, 3, 16, 16], new Generator(3));
        using var tokens = Tensor.FromArray([48L, 5, 6, 49, 0, 0, 48, 7, 49, 0, 0, 0], 2, 6);
        Assert.Equal(original.EncodeImage(images).ToArray(), rebuilt.EncodeImage(images).ToArray());
        Assert.Equal(original.EncodeText(tokens).ToArray(), rebuilt.EncodeText(tokens).ToArray());
    }

    [Fact]
    public void InferringTheGoldensWithoutTheirConfigFailsOnTheHeadCount()
    {
        using var tiny = new TinyVit();
        var e = Assert.Throws<ArgumentException>(() => ClipModel.FromStateDict(tiny.Weights));
        Assert.Contains("text_cfg.heads 0", e.Message);
        Assert.Contains("config", e.Message);
    }

    [Fact]
    public void InfersAResNetCheckpointButRejectsBuildingIt()
    {
        var path = Goldens.File("tiny_rn.weights.safetensors");
        ClipConfig config;
        using (var file = SafeTensorsFile.Open(path))
            config = ClipConfig.FromSafeTensorsMetadata(file.Metadata)!;
        var weights = SafeTensors.Load(path);
        try
        {
            var e = Assert.Throws<NotSupportedException>(() => ClipModel.FromStateDict(weights, config));
            Assert.Equal("ResNet vision towers are not implemented yet", e.Message);
            // The text tower's width 48 has no 64-wide heads; a width of 64 in the two keys that give it lets the rest be inferred.
            var shapes = weights.ToDictionary(p => p.Key, p => p.Value.Shape);
            shapes["ln_final.weight"] = [64];
            shapes["transformer.resblocks.0.mlp.c_fc.weight"] = [256, 64];
            var inferred = ClipConfig.InferFromShapes(shapes);
            Assert.Equal([1, 1, 1, 1], inferred.Vision.ResNetLayers!);
            Assert.Equal(16, inferred.Vision.Width);
            Assert.Equal(64, inferred.Vision.ImageSize);
            Assert.Equal(2, inferred.Text.Layers);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    [Fact]
    public void AWrongStateDictIsOneErrorListingEveryKey()
    {
        using var tiny = new TinyVit();
        var broken = new Dictionary<string, Tensor>(tiny.Weights);
        broken.Remove("visual.ln_post.bias");
        broken.Remove("transformer.resblocks.1.mlp.c_fc.weight");
        broken["visual.extra"] = Tensor.Zeros([3]);
        broken["text_projection"] = Tensor.Zeros([48, 31]);
        var e = Assert.Throws<StateDictException>(() => ClipModel.FromStateDict(broken, tiny.Config));
        Assert.Equal(["transformer.resblocks.1.mlp.c_fc.weight", "visual.ln_post.bias"], e.MissingKeys.Order(StringComparer.Ordinal));
        Assert.Equal(["visual.extra"], e.UnexpectedKeys);
        Assert.Equal("text_projection", Assert.Single(e.Mismatched).Key);
        foreach (var key in new[] { "visual.ln_post.bias", "transformer.resblocks.1.mlp.c_fc.weight", "visual.extra", "text_projection" })
            Assert.Contains(key, e.Message);
    }

    [Fact]
    public void FromConfigInitialisesAsOpenAi()
    {
        using var model = ClipModel.FromConfig(Small, seed: 4);
        Assert.Equal(Math.Log(1 / 0.07), model.LogitScale.Item(), 6);
        AssertStd(0.02, model.TokenEmbedding.Weight);
        AssertStd(0.01, model.PositionalEmbedding);
        AssertStd(1 / Math.Sqrt(128), model.TextProjection);
        var block = model.Transformer.Resblocks[1];
        AssertStd(1 / Math.Sqrt(128), block.Attn.InProjWeight);
        AssertStd(1 / Math.Sqrt(128) / Math.Sqrt(6), block.Attn.OutProj.Weight);
        AssertStd(1 / Math.Sqrt(256), block.Mlp.CFc.Weight);
        AssertStd(1 / Math.Sqrt(128) / Math.Sqrt(6), block.Mlp.CProj.Weight);
        AssertStd(1 / 8.0, model.Visual.Proj);
        Assert.All(block.Attn.InProjBias!.ToArray(), b => Assert.Equal(0f, b));
        Assert.All(model.LnFinal.Weight!.ToArray(), w => Assert.Equal(1f, w));

        using var same = ClipModel.FromConfig(Small, seed: 4);
        using var other = ClipModel.FromConfig(Small, seed: 5);
        Assert.Equal(model.Visual.Conv1.Weight.ToArray(), same.Visual.Conv1.Weight.ToArray());
        Assert.NotEqual(model.Visual.Conv1.Weight.ToArray(), other.Visual.Conv1.Weight.ToArray());
    }

    [Fact]
    public void PoolsAtTheFirstEndOfTextTokenNotTheLargestId()
    {
        using var tiny = new TinyVit();
        // EOT 500 with SOT 998 and a later 999 above it: OpenAI's argmax would pool at position 0 or 4.
        using var model = ClipModel.FromStateDict(tiny.Weights, tiny.Config with { Text = tiny.Config.Text with { EotToken = 500 } });
        var full = new long[77];
        long[] prefix = [998, 17, 23, 500];
        prefix.CopyTo(full, 0);
        full[4] = 999;
        full[5] = 500;
        using var padded = Tensor.FromArray(full, 1, 77);
        using var shortTokens = Tensor.FromArray(prefix, 1, 4);
        using var asInt32 = Tensor.FromArray(prefix.Select(i => (int)i).ToArray(), 1, 4);
        var expected = model.EncodeText(shortTokens).ToArray().Select(x => (double)x).ToArray();
        Relative.Check("features pooled at the first EOT", model.EncodeText(padded).ToArray(), expected, 1e-6);
        Assert.Equal(expected.Select(x => (float)x), model.EncodeText(asInt32).ToArray());
    }

    /// <summary>
    /// A model on cuda:0 takes its tokens on the CPU too (they are read on the host to find each text's EOT, then
    /// copied over), with the same features as tokens already on the device; images must be on the model's device.
    /// </summary>
    [Fact]
    public void AModelOnCudaTakesTokensOnTheCpuOrOnItsDevice()
    {
        using var tiny = new TinyVit();
        using var model = tiny.BuildModel(ClipCudaTestDevice.Device);
        var onDevice = model.EncodeText(tiny.Tokens.To(model.Device));
        var onCpu = model.EncodeText(tiny.Tokens);
        Assert.Equal(model.Device, onCpu.Device);
        Assert.Equal(onDevice.ToArray(), onCpu.ToArray());
        Relative.Check("text features from CPU tokens", onCpu.ToArray(), tiny.Reference("text_features"), 1e-4);
        var error = Assert.Throws<ArgumentException>(() => model.EncodeImage(tiny.Images));
        Assert.Contains("images are on cpu but the model is on cuda:0", error.Message);
    }

    [Fact]
    public void BadInputsAreClearErrors()
    {
        using var model = ClipModel.FromConfig(Small, seed: 6);
        using var noEot = Tensor.FromArray([48L, 5, 6, 0], 1, 4);
        Assert.Contains("no end-of-text token (id 49)", Assert.Throws<ArgumentException>(() => model.EncodeText(noEot)).Message);
        using var tooLong = Tensor.Zeros([1, 13], DType.I64);
        Assert.Contains("L ≤ 12", Assert.Throws<ArgumentException>(() => model.EncodeText(tooLong)).Message);
        using var floats = Tensor.Zeros([1, 4]);
        Assert.Contains("I32 or I64", Assert.Throws<ArgumentException>(() => model.EncodeText(floats)).Message);
        using var wrongSize = Tensor.Zeros([1, 3, 32, 32]);
        Assert.Contains("[B, 3, 16, 16]", Assert.Throws<ArgumentException>(() => model.EncodeImage(wrongSize)).Message);
    }

    /// <summary>The sample standard deviation of a drawn tensor is its std within 10% (the tensors hold ≥ 1,000 draws).</summary>
    private static void AssertStd(double std, Tensor t)
    {
        var values = t.ToArray();
        Assert.True(values.Length >= 1000, $"too few values ({values.Length}) to estimate a standard deviation");
        var mean = values.Average(v => (double)v);
        var sample = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        Assert.InRange(sample, 0.9 * std, 1.1 * std);
    }
}
