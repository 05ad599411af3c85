namespace ClipEngine.Clip;

// OpenAI's released ViT CLIPs under open_clip's config names, and OpenAI's own names for them.
public sealed partial record ClipConfig
{
    private static readonly Dictionary<string, ClipConfig> Presets = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ViT-B-32"] = OpenAiVit(embedDim: 512, imageSize: 224, layers: 12, width: 768, patchSize: 32, textWidth: 512, textHeads: 8),
        ["ViT-B-16"] = OpenAiVit(embedDim: 512, imageSize: 224, layers: 12, width: 768, patchSize: 16, textWidth: 512, textHeads: 8),
        ["ViT-L-14"] = OpenAiVit(embedDim: 768, imageSize: 224, layers: 24, width: 1024, patchSize: 14, textWidth: 768, textHeads: 12),
        ["ViT-L-14-336"] = OpenAiVit(embedDim: 768, imageSize: 336, layers: 24, width: 1024, patchSize: 14, textWidth: 768, textHeads: 12),
    };

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ViT-B/32"] = "ViT-B-32",
        ["ViT-B/16"] = "ViT-B-16",
        ["ViT-L/14"] = "ViT-L-14",
        ["ViT-L/14@336px"] = "ViT-L-14-336",
        ["ViT-B-32-quickgelu"] = "ViT-B-32",
        ["ViT-B-16-quickgelu"] = "ViT-B-16",
        ["ViT-L-14-quickgelu"] = "ViT-L-14",
        ["ViT-L-14-336-quickgelu"] = "ViT-L-14-336",
    };

    /// <summary>The open_clip names of the presets ("ViT-B-32", …); OpenAI's names ("ViT-B/32", "ViT-L/14@336px") are accepted too.</summary>
    public static IReadOnlyCollection<string> PresetNames => Presets.Keys;

    /// <summary>
    /// The config of one of OpenAI's released ViT models, by open_clip name or OpenAI name (case-insensitive),
    /// with QuickGELU as those weights were trained. The ResNet family is not a preset yet.
    /// </summary>
    public static ClipConfig FromPreset(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = Aliases.GetValueOrDefault(name.Trim(), name.Trim());
        return Presets.TryGetValue(key, out var config)
            ? config
            : throw new ArgumentException($"unknown CLIP preset '{name}'; known: {string.Join(", ", Presets.Keys.Concat(Aliases.Keys))}", nameof(name));
    }

    private static ClipConfig OpenAiVit(int embedDim, int imageSize, int layers, int width, int patchSize, int textWidth, int textHeads) => new()
    {
        EmbedDim = embedDim,
        QuickGelu = true,
        Vision = new VisionConfig { ImageSize = imageSize, Layers = layers, Width = width, PatchSize = patchSize },
        Text = new TextConfig { Width = textWidth, Heads = textHeads },
    };
}
