using System.Text.Json;
using ClipEngine.IO;
using ClipEngine.Tests.Support;

namespace ClipEngine.Clip.Tests.Weights;

public sealed class SafeTensorsCheckpointTests : IDisposable
{
    private static readonly string GoldenWeights = Goldens.File("tiny_vit.weights.safetensors");

    private readonly string _dir = Directory.CreateTempSubdirectory("clipengine-weights-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void GoldenWeightsReadAsOpenAiSafeTensorsWithTheirConfig()
    {
        using var checkpoint = ClipCheckpoint.Read(GoldenWeights);

        Assert.Equal(CheckpointFormat.OpenAiSafeTensors, checkpoint.Format);
        using var file = SafeTensorsFile.Open(GoldenWeights);
        Assert.Equal(file.Metadata["config"], checkpoint.ConfigJson);
        using var config = JsonDocument.Parse(checkpoint.ConfigJson!);
        Assert.Equal(4, config.RootElement.GetProperty("transformer_heads").GetInt32());
        AssertIdenticalToGolden(checkpoint.StateDict);
    }

    [Fact]
    public void HuggingFaceNamingReadsBackToTheIdenticalOpenAiStateDict()
    {
        var golden = LoadGolden();
        var hf = HuggingFaceNames.FromOpenAi(golden.Select(p => new KeyValuePair<string, HostTensor>(p.Key, HostTensor.FromTensor(p.Value)))).ToDictionary();
        // HF naming, checked against the layout transformers' CLIPModel uses rather than against the reverse mapping.
        const int textWidth = 48;
        var inProj = golden["transformer.resblocks.1.attn.in_proj_weight"].ToArray();
        Assert.Equal(inProj[..(textWidth * textWidth)], Floats(hf["text_model.encoder.layers.1.self_attn.q_proj.weight"]));
        Assert.Equal(inProj[(textWidth * textWidth)..(2 * textWidth * textWidth)], Floats(hf["text_model.encoder.layers.1.self_attn.k_proj.weight"]));
        Assert.Equal(inProj[(2 * textWidth * textWidth)..], Floats(hf["text_model.encoder.layers.1.self_attn.v_proj.weight"]));
        Assert.Equal([textWidth], hf["text_model.encoder.layers.1.self_attn.v_proj.bias"].Shape);
        var proj = golden["visual.proj"].ToArray();
        var visualProjection = Floats(hf["visual_projection.weight"]);
        Assert.Equal([32, 64], hf["visual_projection.weight"].Shape);
        for (var i = 0; i < 64; i++)
            for (var j = 0; j < 32; j++)
                Assert.Equal(proj[i * 32 + j], visualProjection[j * 64 + i]);
        Assert.Contains("vision_model.pre_layrnorm.weight", hf.Keys);
        Assert.Contains("vision_model.encoder.layers.0.mlp.fc2.bias", hf.Keys);
        Assert.Contains("text_model.final_layer_norm.bias", hf.Keys);
        Assert.Contains("vision_model.embeddings.patch_embedding.weight", hf.Keys);
        Assert.DoesNotContain(hf.Keys, k => k.StartsWith("visual.", StringComparison.Ordinal) || k.StartsWith("transformer.", StringComparison.Ordinal));

        var path = Path.Combine(_dir, "model.safetensors");
        SafeTensorsWriter.Save(path, hf.Select(p => new SafeTensorEntry(p.Key, p.Value.DType, p.Value.Shape, p.Value.Data)));
        File.WriteAllText(Path.Combine(_dir, "config.json"), """
            {
              "architectures": ["CLIPModel"],
              "projection_dim": 32,
              "text_config": {"hidden_size": 48, "num_attention_heads": 4, "num_hidden_layers": 2,
                              "max_position_embeddings": 77, "vocab_size": 1000, "hidden_act": "quick_gelu"},
              "vision_config": {"hidden_size": 64, "num_attention_heads": 1, "num_hidden_layers": 2,
                                "image_size": 32, "patch_size": 8, "hidden_act": "quick_gelu"}
            }
            """);

        using var checkpoint = ClipCheckpoint.Read(path);

        Assert.Equal(CheckpointFormat.HuggingFaceSafeTensors, checkpoint.Format);
        AssertIdenticalToGolden(checkpoint.StateDict);
        using var config = JsonDocument.Parse(checkpoint.ConfigJson!);
        var root = config.RootElement;
        Assert.Equal(32, root.GetProperty("embed_dim").GetInt32());
        Assert.True(root.GetProperty("quick_gelu").GetBoolean());
        var vision = root.GetProperty("vision_cfg");
        Assert.Equal((32, 8, 64, 2, 64), (vision.GetProperty("image_size").GetInt32(), vision.GetProperty("patch_size").GetInt32(),
            vision.GetProperty("width").GetInt32(), vision.GetProperty("layers").GetInt32(), vision.GetProperty("head_width").GetInt32()));
        var text = root.GetProperty("text_cfg");
        Assert.Equal((77, 1000, 48, 4, 2), (text.GetProperty("context_length").GetInt32(), text.GetProperty("vocab_size").GetInt32(),
            text.GetProperty("width").GetInt32(), text.GetProperty("heads").GetInt32(), text.GetProperty("layers").GetInt32()));
    }

    [Fact]
    public void HuggingFaceCheckpointMissingAProjectionIsRejectedNamingIt()
    {
        var golden = LoadGolden();
        var hf = HuggingFaceNames.FromOpenAi(golden.Select(p => new KeyValuePair<string, HostTensor>(p.Key, HostTensor.FromTensor(p.Value))))
            .Where(p => p.Key != "vision_model.encoder.layers.1.self_attn.k_proj.bias");
        var path = Path.Combine(_dir, "broken.safetensors");
        SafeTensorsWriter.Save(path, hf.Select(p => new SafeTensorEntry(p.Key, p.Value.DType, p.Value.Shape, p.Value.Data)));

        var error = Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("visual.transformer.resblocks.1.attn.in_proj_bias lacks k_proj", error.Message);
    }

    [Fact]
    public void ConvertToOpenAiWritesConfigInMetadataAndBesideTheFile()
    {
        var output = Path.Combine(_dir, "tiny.safetensors");

        ClipCheckpoint.Convert(GoldenWeights, output);

        using var golden = SafeTensorsFile.Open(GoldenWeights);
        using var converted = SafeTensorsFile.Open(output);
        Assert.Equal(golden.Metadata["config"], converted.Metadata["config"]);
        Assert.Equal(golden.Metadata["config"], File.ReadAllText(Path.Combine(_dir, "tiny.json")));
        using var checkpoint = ClipCheckpoint.Read(output);
        Assert.Equal(CheckpointFormat.OpenAiSafeTensors, checkpoint.Format);
        AssertIdenticalToGolden(checkpoint.StateDict);
    }

    [Fact]
    public void ConvertToHuggingFaceAndBackRoundTripsBitwise()
    {
        var hfDir = Directory.CreateDirectory(Path.Combine(_dir, "hf")).FullName;
        var hfPath = Path.Combine(hfDir, "model.safetensors");

        ClipCheckpoint.Convert(GoldenWeights, hfPath, CheckpointFormat.HuggingFaceSafeTensors);

        using (var file = SafeTensorsFile.Open(hfPath))
        {
            Assert.True(file.Contains("text_model.encoder.layers.0.self_attn.q_proj.weight"));
            Assert.False(file.Contains("visual.proj"));
        }
        using (var hfConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(hfDir, "config.json"))))
        {
            // Head counts come from the golden config, not from width / 64 (which would give 0 text heads).
            Assert.Equal(1, hfConfig.RootElement.GetProperty("vision_config").GetProperty("num_attention_heads").GetInt32());
            Assert.Equal(4, hfConfig.RootElement.GetProperty("text_config").GetProperty("num_attention_heads").GetInt32());
            Assert.Equal(192, hfConfig.RootElement.GetProperty("text_config").GetProperty("intermediate_size").GetInt32());
        }

        using (var hf = ClipCheckpoint.Read(hfPath))
        {
            Assert.Equal(CheckpointFormat.HuggingFaceSafeTensors, hf.Format);
            AssertIdenticalToGolden(hf.StateDict);
        }

        var back = Path.Combine(_dir, "back.safetensors");
        ClipCheckpoint.Convert(hfPath, back);
        using var roundTrip = ClipCheckpoint.Read(back);
        AssertIdenticalToGolden(roundTrip.StateDict);
    }

    [Fact]
    public void SaveSafeTensorsCanStoreHalfPrecision()
    {
        using var checkpoint = ClipCheckpoint.Read(GoldenWeights);
        var path = Path.Combine(_dir, "half.safetensors");

        ClipCheckpoint.SaveSafeTensors(path, checkpoint.StateDict, checkpoint.ConfigJson, DType.F16);

        using var file = SafeTensorsFile.Open(path);
        Assert.All(file.Tensors, info => Assert.Equal(DType.F16, info.DType));
        using var half = ClipCheckpoint.Read(path);
        var original = checkpoint.StateDict["visual.transformer.resblocks.0.attn.in_proj_weight"].ToArray();
        var widened = half.StateDict["visual.transformer.resblocks.0.attn.in_proj_weight"];
        Assert.Equal(DType.F32, widened.DType);
        Assert.Equal(original.Select(v => (float)(Half)v), widened.ToArray());
    }

    private static Dictionary<string, Tensor> LoadGolden() => SafeTensors.Load(GoldenWeights);

    private static void AssertIdenticalToGolden(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        var golden = LoadGolden();
        Assert.Equal(golden.Keys.Order(StringComparer.Ordinal), stateDict.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in golden)
        {
            Assert.Equal(DType.F32, stateDict[name].DType);
            Assert.Equal(tensor.Shape, stateDict[name].Shape);
            Assert.True(tensor.ToBytes().AsSpan().SequenceEqual(stateDict[name].ToBytes()), $"'{name}' differs");
        }
    }

    private static float[] Floats(HostTensor tensor) => [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.Data)];
}
