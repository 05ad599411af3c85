using System.Text.Json;
using ClipEngine.IO;
using ClipEngine.Tests.Support;

namespace ClipEngine.Clip.Tests.Weights;

public sealed class CheckpointConfigTests : IDisposable
{
    private const string OpenClipModelConfig = """{"embed_dim": 32, "quick_gelu": true, "vision_cfg": {"image_size": 32, "layers": 2, "width": 64, "patch_size": 8, "head_width": 64}, "text_cfg": {"context_length": 77, "vocab_size": 1000, "width": 48, "heads": 4, "layers": 2}}""";

    private readonly string _dir = Directory.CreateTempSubdirectory("clipengine-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void OpenClipConfigBesideTheWeightsGivesItsModelConfig()
    {
        var path = WeightsWithoutConfig("open_clip_model.safetensors");
        File.WriteAllText(Path.Combine(_dir, "open_clip_config.json"),
            $$$"""{"model_cfg": {{{OpenClipModelConfig}}}, "preprocess_cfg": {"mean": [0.48145466, 0.4578275, 0.40821073]}}""");

        using var checkpoint = ClipCheckpoint.Read(path);

        Assert.Equal(CheckpointFormat.OpenAiSafeTensors, checkpoint.Format);
        Assert.True(JsonNodeEquals(OpenClipModelConfig, checkpoint.ConfigJson!));
    }

    [Fact]
    public void StemJsonWinsOverSharedConfigFiles()
    {
        var path = WeightsWithoutConfig("ViT-Tiny.safetensors");
        const string own = """{"embed_dim": 32, "note": "own"}""";
        File.WriteAllText(Path.Combine(_dir, "ViT-Tiny.json"), own);
        File.WriteAllText(Path.Combine(_dir, "open_clip_config.json"), $$"""{"model_cfg": {{OpenClipModelConfig}}}""");

        using var checkpoint = ClipCheckpoint.Read(path);

        Assert.Equal(own, checkpoint.ConfigJson);
    }

    [Fact]
    public void NoConfigAnywhereLeavesItNull()
    {
        using var checkpoint = ClipCheckpoint.Read(WeightsWithoutConfig("bare.safetensors"));

        Assert.Null(checkpoint.ConfigJson);
    }

    [Fact]
    public void MalformedConfigBesideTheWeightsIsNamed()
    {
        var path = WeightsWithoutConfig("w.safetensors");
        var config = Path.Combine(_dir, "config.json");
        File.WriteAllText(config, """{"vision_config": {"hidden_size": 64, "num_attention_heads": 3}}""");

        var error = Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(path));

        Assert.Equal(config, error.FilePath);
        Assert.Contains("hidden_size 64 is not a multiple of num_attention_heads 3", error.Message);
        File.WriteAllText(config, "{not json");
        Assert.Contains("not valid JSON", Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(path)).Message);
    }

    private string WeightsWithoutConfig(string name)
    {
        var path = Path.Combine(_dir, name);
        var golden = SafeTensors.Load(Goldens.File("tiny_vit.weights.safetensors"));
        SafeTensors.Save(path, golden);
        foreach (var t in golden.Values) t.Dispose();
        return path;
    }

    private static bool JsonNodeEquals(string a, string b) =>
        System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(a), System.Text.Json.Nodes.JsonNode.Parse(b));
}
