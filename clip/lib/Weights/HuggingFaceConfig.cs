using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClipEngine.Clip;

/// <summary>A Hugging Face <c>CLIPModel</c> config.json translated into open_clip's model-config shape.</summary>
internal static class HuggingFaceConfig
{
    /// <summary>True for a config with HF's <c>vision_config</c>/<c>text_config</c> sections.</summary>
    public static bool Is(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && (root.TryGetProperty("vision_config", out _) || root.TryGetProperty("text_config", out _));

    /// <summary>
    /// open_clip's <c>{embed_dim, quick_gelu, vision_cfg{…}, text_cfg{…}}</c>. Fields HF leaves out of config.json
    /// take the defaults of transformers' CLIPConfig / CLIPTextConfig / CLIPVisionConfig, as HF itself does.
    /// </summary>
    public static string ToOpenClipJson(JsonElement hf)
    {
        var text = Section(hf, "text_config");
        var vision = Section(hf, "vision_config");
        int Field(JsonElement? section, string sectionName, string name, int fallback)
        {
            if (section is not JsonElement s || !s.TryGetProperty(name, out var value)) return fallback;
            return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number > 0
                ? number
                : throw new InvalidDataException($"{sectionName}.{name} is {value.GetRawText()}, not a positive integer");
        }

        var visionWidth = Field(vision, "vision_config", "hidden_size", 768);
        var visionHeads = Field(vision, "vision_config", "num_attention_heads", 12);
        if (visionWidth % visionHeads != 0)
            throw new InvalidDataException($"vision_config.hidden_size {visionWidth} is not a multiple of num_attention_heads {visionHeads}");
        var act = text is JsonElement t && t.TryGetProperty("hidden_act", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : "quick_gelu";

        var config = new JsonObject
        {
            ["embed_dim"] = Field(hf, "config", "projection_dim", 512),
            ["quick_gelu"] = act == "quick_gelu",
            ["vision_cfg"] = new JsonObject
            {
                ["image_size"] = Field(vision, "vision_config", "image_size", 224),
                ["layers"] = Field(vision, "vision_config", "num_hidden_layers", 12),
                ["width"] = visionWidth,
                ["patch_size"] = Field(vision, "vision_config", "patch_size", 32),
                ["head_width"] = visionWidth / visionHeads,
            },
            ["text_cfg"] = new JsonObject
            {
                ["context_length"] = Field(text, "text_config", "max_position_embeddings", 77),
                ["vocab_size"] = Field(text, "text_config", "vocab_size", 49408),
                ["width"] = Field(text, "text_config", "hidden_size", 512),
                ["heads"] = Field(text, "text_config", "num_attention_heads", 8),
                ["layers"] = Field(text, "text_config", "num_hidden_layers", 12),
            },
        };
        return config.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    // Configs from older transformers versions spell the sections *_config_dict.
    private static JsonElement? Section(JsonElement hf, string name) =>
        hf.TryGetProperty(name, out var section) && section.ValueKind == JsonValueKind.Object ? section
        : hf.TryGetProperty(name + "_dict", out section) && section.ValueKind == JsonValueKind.Object ? section
        : null;
}
