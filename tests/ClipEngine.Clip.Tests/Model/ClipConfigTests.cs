using System.Text.Json;
using ClipEngine.IO;
using ClipEngine.Tests.Support;

namespace ClipEngine.Clip.Tests.Model;

public class ClipConfigTests
{
    // open_clip's src/open_clip/model_configs/ViT-B-32.json and RN50.json, verbatim.
    private const string OpenClipVitB32 = """
        {
            "embed_dim": 512,
            "vision_cfg": {
                "image_size": 224,
                "layers": 12,
                "width": 768,
                "patch_size": 32
            },
            "text_cfg": {
                "context_length": 77,
                "vocab_size": 49408,
                "width": 512,
                "heads": 8,
                "layers": 12
            }
        }
        """;

    private const string OpenClipRn50 = """
        {
            "embed_dim": 1024,
            "vision_cfg": {
                "image_size": 224,
                "layers": [3, 4, 6, 3],
                "width": 64,
                "patch_size": null
            },
            "text_cfg": {
                "context_length": 77,
                "vocab_size": 49408,
                "width": 512,
                "heads": 8,
                "layers": 12
            }
        }
        """;

    public static TheoryData<string> Presets => ["ViT-B-32", "ViT-B-16", "ViT-L-14", "ViT-L-14-336"];

    [Theory]
    [MemberData(nameof(Presets))]
    public void PresetsRoundTripThroughJson(string name)
    {
        var config = ClipConfig.FromPreset(name);
        Assert.True(config.QuickGelu);
        Assert.Equal(config, ClipConfig.FromJson(config.ToJson()));
    }

    [Fact]
    public void EveryFieldRoundTripsThroughJsonAndFiles()
    {
        var config = new ClipConfig
        {
            EmbedDim = 24,
            QuickGelu = false,
            Vision = new VisionConfig { ImageSize = 30, Width = 40, Layers = 3, PatchSize = 6, HeadWidth = 20, MlpRatio = 2.5 },
            Text = new TextConfig { ContextLength = 16, VocabSize = 300, Width = 36, Heads = 6, Layers = 2, MlpRatio = 3, EotToken = 7 },
        };
        Assert.Equal(config, ClipConfig.FromJson(config.ToJson()));
        var path = Path.Combine(Path.GetTempPath(), $"clip-config-{Guid.NewGuid():N}.json");
        try
        {
            config.Save(path);
            Assert.Equal(config, ClipConfig.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
        var resnet = ClipConfig.FromJson(OpenClipRn50);
        Assert.Equal(resnet, ClipConfig.FromJson(resnet.ToJson()));
    }

    [Fact]
    public void WritesOpenClipsFieldNames()
    {
        using var json = JsonDocument.Parse(ClipConfig.FromPreset("ViT-B/32").ToJson());
        var root = json.RootElement;
        Assert.Equal(512, root.GetProperty("embed_dim").GetInt32());
        Assert.True(root.GetProperty("quick_gelu").GetBoolean());
        Assert.Equal(32, root.GetProperty("vision_cfg").GetProperty("patch_size").GetInt32());
        Assert.Equal(64, root.GetProperty("vision_cfg").GetProperty("head_width").GetInt32());
        Assert.Equal(8, root.GetProperty("text_cfg").GetProperty("heads").GetInt32());
        Assert.False(root.GetProperty("text_cfg").TryGetProperty("eot_token", out _));
    }

    [Fact]
    public void ReadsOpenClipsModelConfigs()
    {
        var vit = ClipConfig.FromJson(OpenClipVitB32);
        Assert.False(vit.QuickGelu);
        Assert.Equal(ClipConfig.FromPreset("ViT-B-32") with { QuickGelu = false }, vit);
        Assert.Equal(12, vit.Vision.Heads);
        Assert.Equal(7, vit.Vision.GridSize);
        Assert.Equal(49407, vit.Text.EotTokenId);

        var rn = ClipConfig.FromJson(OpenClipRn50);
        Assert.True(rn.Vision.IsResNet);
        Assert.Equal([3, 4, 6, 3], rn.Vision.ResNetLayers!);
        Assert.Equal(16, rn.Vision.Layers);
        Assert.Null(rn.Vision.PatchSize);
        Assert.Equal(32, rn.Vision.Heads);
    }

    [Fact]
    public void ReadsTheGoldensOpenAiStyleMetadata()
    {
        using (var vitFile = SafeTensorsFile.Open(Goldens.File("tiny_vit.weights.safetensors")))
        {
            var vit = ClipConfig.FromSafeTensorsMetadata(vitFile.Metadata)!;
            Assert.Equal(new VisionConfig { ImageSize = 32, Width = 64, Layers = 2, PatchSize = 8, HeadWidth = 64 }, vit.Vision);
            Assert.Equal(new TextConfig { ContextLength = 77, VocabSize = 1000, Width = 48, Heads = 4, Layers = 2, EotToken = 999 }, vit.Text);
            Assert.Equal(32, vit.EmbedDim);
            Assert.True(vit.QuickGelu);
        }
        using var rnFile = SafeTensorsFile.Open(Goldens.File("tiny_rn.weights.safetensors"));
        var rn = ClipConfig.FromSafeTensorsMetadata(rnFile.Metadata)!;
        Assert.Equal([1, 1, 1, 1], rn.Vision.ResNetLayers!);
        Assert.Equal(16, rn.Vision.Width);
        Assert.Equal(8, rn.Vision.Heads);
        Assert.Equal(64, rn.Vision.ImageSize);
        Assert.Equal(4, rn.Text.Heads);
        Assert.Null(ClipConfig.FromSafeTensorsMetadata(new Dictionary<string, string>()));
    }

    [Theory]
    [InlineData("ViT-B/32", "ViT-B-32")]
    [InlineData("vit-b-16", "ViT-B-16")]
    [InlineData("ViT-L/14", "ViT-L-14")]
    [InlineData("ViT-L/14@336px", "ViT-L-14-336")]
    [InlineData("ViT-B-32-quickgelu", "ViT-B-32")]
    public void AliasesNameThePresets(string alias, string name) =>
        Assert.Equal(ClipConfig.FromPreset(name), ClipConfig.FromPreset(alias));

    [Fact]
    public void UnknownPresetListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => ClipConfig.FromPreset("ViT-H-14"));
        Assert.Contains("ViT-H-14", e.Message);
        Assert.Contains("ViT-L-14-336", e.Message);
    }

    // The published sizes of OpenAI's models (open_clip's model profile table, Radford et al.).
    [Theory]
    [InlineData("ViT-B-32", 151_277_313L)]
    [InlineData("ViT-B-16", 149_620_737L)]
    [InlineData("ViT-L-14", 427_616_513L)]
    [InlineData("ViT-L-14-336", 427_944_193L)]
    public void PresetParameterCounts(string name, long expected) =>
        Assert.Equal(expected, ClipConfig.FromPreset(name).ParameterCount());

    [Fact]
    public void ParameterCountFormulaMatchesBuiltModels()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Goldens.File("MANIFEST.json")));
        var goldenCount = manifest.RootElement.GetProperty("models").GetProperty("tiny_vit").GetProperty("n_params").GetInt64();
        using var tiny = new TinyVit();
        using (var model = tiny.BuildModel())
        {
            Assert.Equal(goldenCount, model.ParameterCount());
            Assert.Equal(goldenCount, tiny.Config.ParameterCount());
        }
        var odd = tiny.Config with { Vision = tiny.Config.Vision with { MlpRatio = 2.5, Layers = 3 }, Text = tiny.Config.Text with { MlpRatio = 1.5, ContextLength = 20 } };
        using var oddModel = ClipModel.FromConfig(odd, seed: 3);
        Assert.Equal(oddModel.ParameterCount(), odd.ParameterCount());
    }

    [Theory]
    [InlineData("""{"embed_dim": "512", "vision_cfg": {"image_size": 224, "layers": 12, "width": 768, "patch_size": 32}, "text_cfg": {}}""", "embed_dim")]
    [InlineData("""{"embed_dim": 512, "vision_cfg": {"image_size": 224, "layers": 12, "patch_size": 32}, "text_cfg": {}}""", "vision_cfg.width")]
    [InlineData("""{"embed_dim": 512, "vision_cfg": {"image_size": 224, "layers": 12, "width": 768, "patch_size": 30}, "text_cfg": {}}""", "patch_size 30")]
    [InlineData("""{"embed_dim": 512, "vision_cfg": {"image_size": 224, "layers": 12, "width": 768, "patch_size": 32}, "text_cfg": {"width": 500}}""", "text_cfg.heads")]
    [InlineData("""{"embed_dim": 512, "vision_cfg": {"image_size": 224, "layers": 12, "width": 768, "patch_size": 32}, "text_cfg": {"layers": 1.5}}""", "text_cfg.layers")]
    [InlineData("""{"embed_dim": 512, "vision_cfg": {"timm_model_name": "convnext_base", "image_size": 224}, "text_cfg": {}}""", "timm")]
    [InlineData("""{"embed_dim": 512, "image_resolution": 224, "vision_layers": 12, "vision_width": 768, "vision_patch_size": 32, "vision_heads": 5, "context_length": 77, "vocab_size": 49408, "transformer_width": 512, "transformer_layers": 12}""", "vision_heads 5")]
    [InlineData("""{"embed_dim": 512}""", "vision_cfg")]
    [InlineData("""[1, 2]""", "object")]
    [InlineData("""{"embed_dim": 512, """, "not valid JSON")]
    public void BadConfigsNameTheFieldAtFault(string json, string expected)
    {
        var e = Assert.Throws<FormatException>(() => ClipConfig.FromJson(json));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ResNetConfigsAreRejectedAtModelBuild()
    {
        var e = Assert.Throws<NotSupportedException>(() => ClipModel.FromConfig(ClipConfig.FromJson(OpenClipRn50)));
        Assert.Equal("ResNet vision towers are not implemented yet", e.Message);
    }
}
