using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClipEngine.Clip;

/// <summary>
/// The sizes of a ViT CLIP as a checkpoint's shapes give them (the way OpenAI's build_model reads them), with the
/// head counts and activation, which shapes cannot give, from a config JSON: OpenAI-style flat keys
/// (<c>vision_heads</c>, <c>transformer_heads</c>) or open_clip's (<c>vision_cfg.head_width</c>, <c>text_cfg.heads</c>, <c>quick_gelu</c>).
/// Without them, heads are width / 64 and QuickGELU is used, as in OpenAI's models.
/// </summary>
internal sealed record ClipDims(
    int EmbedDim, int ImageSize, int PatchSize, int VisionWidth, int VisionLayers, int VisionHeads, int VisionMlpWidth,
    int ContextLength, int VocabSize, int TextWidth, int TextHeads, int TextLayers, int TextMlpWidth, bool QuickGelu)
{
    public static ClipDims FromStateDict(IReadOnlyDictionary<string, int[]> shapes, string? configJson)
    {
        int Dim(string key, int axis) => shapes.TryGetValue(key, out var shape) && axis < shape.Length
            ? shape[axis]
            : throw new InvalidDataException($"the state dict has no '{key}' with a dim {axis}, so it is not a ViT CLIP in OpenAI naming");
        int Layers(string prefix) => shapes.Keys
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Select(k => k[prefix.Length..].Split('.')[0])
            .Distinct().Count();

        var patch = Dim("visual.conv1.weight", 2);
        var grid = (int)Math.Round(Math.Sqrt(Dim("visual.positional_embedding", 0) - 1));
        var visionWidth = Dim("visual.conv1.weight", 0);
        var textWidth = Dim("ln_final.weight", 0);

        int? visionHeads = null, textHeads = null;
        var quickGelu = true;
        if (configJson is not null)
        {
            using var document = JsonDocument.Parse(configJson);
            var root = document.RootElement;
            var headWidth = Int(root, "vision_cfg", "head_width");
            visionHeads = Int(root, "vision_heads") ?? Int(root, "vision_cfg", "heads") ?? (headWidth > 0 ? visionWidth / headWidth : null);
            textHeads = Int(root, "transformer_heads") ?? Int(root, "text_cfg", "heads");
            if (root.TryGetProperty("quick_gelu", out var gelu) && gelu.ValueKind is JsonValueKind.True or JsonValueKind.False) quickGelu = gelu.GetBoolean();
        }

        return new ClipDims(
            EmbedDim: Dim("text_projection", 1),
            ImageSize: patch * grid,
            PatchSize: patch,
            VisionWidth: visionWidth,
            VisionLayers: Layers("visual.transformer.resblocks."),
            VisionHeads: visionHeads ?? visionWidth / 64,
            VisionMlpWidth: Dim("visual.transformer.resblocks.0.mlp.c_fc.weight", 0),
            ContextLength: Dim("positional_embedding", 0),
            VocabSize: Dim("token_embedding.weight", 0),
            TextWidth: textWidth,
            TextHeads: textHeads ?? textWidth / 64,
            TextLayers: Layers("transformer.resblocks."),
            TextMlpWidth: Dim("transformer.resblocks.0.mlp.c_fc.weight", 0),
            QuickGelu: quickGelu);
    }

    /// <summary>A Hugging Face <c>CLIPModel</c> config.json for these sizes.</summary>
    public string ToHuggingFaceJson()
    {
        var act = QuickGelu ? "quick_gelu" : "gelu";
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("CLIPModel"),
            ["model_type"] = "clip",
            ["projection_dim"] = EmbedDim,
            ["text_config"] = new JsonObject
            {
                ["model_type"] = "clip_text_model",
                ["hidden_size"] = TextWidth,
                ["intermediate_size"] = TextMlpWidth,
                ["num_attention_heads"] = TextHeads,
                ["num_hidden_layers"] = TextLayers,
                ["max_position_embeddings"] = ContextLength,
                ["vocab_size"] = VocabSize,
                // CLIP vocabularies end with start-of-text then end-of-text; HF pools at the first end-of-text id.
                ["bos_token_id"] = VocabSize - 2,
                ["eos_token_id"] = VocabSize - 1,
                ["hidden_act"] = act,
                ["projection_dim"] = EmbedDim,
            },
            ["vision_config"] = new JsonObject
            {
                ["model_type"] = "clip_vision_model",
                ["hidden_size"] = VisionWidth,
                ["intermediate_size"] = VisionMlpWidth,
                ["num_attention_heads"] = VisionHeads,
                ["num_hidden_layers"] = VisionLayers,
                ["image_size"] = ImageSize,
                ["patch_size"] = PatchSize,
                ["hidden_act"] = act,
                ["projection_dim"] = EmbedDim,
            },
        };
        return config.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static int? Int(JsonElement root, params string[] path)
    {
        var element = root;
        foreach (var name in path)
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element)) return null;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var value) ? value : null;
    }
}
