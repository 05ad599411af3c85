using System.Text;
using System.Text.Json;

namespace ClipEngine.Clip;

// Config JSON in two shapes: open_clip's model configs (what we write), and the flat OpenAI-style dict of
// build_model's variables that the golden files carry in their safetensors metadata under "config".
public sealed partial record ClipConfig
{
    /// <summary>Largest config file read; real ones are a few hundred bytes.</summary>
    public const int MaxJsonBytes = 1 << 20;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 8 };

    /// <summary>
    /// Parses a config: open_clip's shape (<c>embed_dim</c>, <c>quick_gelu</c>, <c>vision_cfg</c>, <c>text_cfg</c>;
    /// other open_clip keys are ignored, a timm or Hugging Face tower is rejected) or the OpenAI-style flat shape
    /// (<c>embed_dim</c>, <c>image_resolution</c>, <c>vision_layers</c>, <c>vision_width</c>, <c>vision_patch_size</c>,
    /// optional <c>vision_heads</c>, <c>context_length</c>, <c>vocab_size</c>, <c>transformer_width</c>, optional
    /// <c>transformer_heads</c>, <c>transformer_layers</c>, optional <c>eot_token</c>), which always means QuickGELU.
    /// Missing head counts follow OpenAI's rule of 64-wide heads. Errors name the field at fault.
    /// </summary>
    public static ClipConfig FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (Encoding.UTF8.GetByteCount(json) > MaxJsonBytes)
            throw new FormatException($"CLIP config JSON is larger than {MaxJsonBytes} bytes");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new FormatException($"CLIP config is not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new FormatException($"CLIP config must be a JSON object, got {root.ValueKind}");
            var config = root.TryGetProperty("vision_cfg", out _) ? ReadOpenClip(root)
                : root.TryGetProperty("vision_width", out _) ? ReadOpenAi(root)
                : throw new FormatException("CLIP config has neither open_clip's \"vision_cfg\" nor OpenAI's \"vision_width\"");
            try
            {
                return config.Validate();
            }
            catch (ArgumentException e)
            {
                throw new FormatException(e.Message, e);
            }
        }
    }

    /// <summary><see cref="FromJson"/> of a file (at most <see cref="MaxJsonBytes"/>); errors name the file.</summary>
    public static ClipConfig Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"CLIP config file not found: {path}", path);
        if (info.Length > MaxJsonBytes) throw new FormatException($"{path}: CLIP config is larger than {MaxJsonBytes} bytes");
        try
        {
            return FromJson(File.ReadAllText(path));
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The config stored in a safetensors file's metadata under "config" (either shape), or null when there is none.
    /// </summary>
    public static ClipConfig? FromSafeTensorsMetadata(IReadOnlyDictionary<string, string> metadata) =>
        metadata.TryGetValue("config", out var json) ? FromJson(json) : null;

    /// <summary>open_clip's model-config JSON; <c>text_cfg.eot_token</c> only when set.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("embed_dim", EmbedDim);
            w.WriteBoolean("quick_gelu", QuickGelu);
            w.WriteStartObject("vision_cfg");
            w.WriteNumber("image_size", Vision.ImageSize);
            if (Vision.ResNetLayers is { } stages)
            {
                w.WriteStartArray("layers");
                foreach (var n in stages) w.WriteNumberValue(n);
                w.WriteEndArray();
            }
            else
            {
                w.WriteNumber("layers", Vision.Layers);
            }
            w.WriteNumber("width", Vision.Width);
            if (Vision.PatchSize is { } patch) w.WriteNumber("patch_size", patch);
            else w.WriteNull("patch_size");
            w.WriteNumber("head_width", Vision.HeadWidth);
            w.WriteNumber("mlp_ratio", Vision.MlpRatio);
            w.WriteEndObject();
            w.WriteStartObject("text_cfg");
            w.WriteNumber("context_length", Text.ContextLength);
            w.WriteNumber("vocab_size", Text.VocabSize);
            w.WriteNumber("width", Text.Width);
            w.WriteNumber("heads", Text.Heads);
            w.WriteNumber("layers", Text.Layers);
            w.WriteNumber("mlp_ratio", Text.MlpRatio);
            if (Text.EotToken is { } eot) w.WriteNumber("eot_token", eot);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes <see cref="ToJson"/> to a file.</summary>
    public void Save(string path) => File.WriteAllText(path, ToJson());

    private static ClipConfig ReadOpenClip(JsonElement root)
    {
        var vision = Object(root, "vision_cfg", "vision_cfg");
        var text = Object(root, "text_cfg", "text_cfg");
        if (OptionalString(vision, "timm_model_name", "vision_cfg.timm_model_name") is { } timm)
            throw new FormatException($"vision_cfg.timm_model_name \"{timm}\": timm vision towers are not supported");
        if (OptionalString(text, "hf_model_name", "text_cfg.hf_model_name") is { } hf)
            throw new FormatException($"text_cfg.hf_model_name \"{hf}\": Hugging Face text towers are not supported");
        var (layers, stages) = ReadLayers(vision, "layers", "vision_cfg.layers");
        return new ClipConfig
        {
            EmbedDim = Int(root, "embed_dim", "embed_dim"),
            QuickGelu = OptionalBool(root, "quick_gelu", "quick_gelu") ?? false,
            Vision = new VisionConfig
            {
                ImageSize = Int(vision, "image_size", "vision_cfg.image_size"),
                Width = Int(vision, "width", "vision_cfg.width"),
                Layers = layers,
                ResNetLayers = stages,
                PatchSize = OptionalInt(vision, "patch_size", "vision_cfg.patch_size"),
                HeadWidth = OptionalInt(vision, "head_width", "vision_cfg.head_width") ?? 64,
                MlpRatio = OptionalDouble(vision, "mlp_ratio", "vision_cfg.mlp_ratio") ?? 4.0,
            },
            Text = new TextConfig
            {
                ContextLength = OptionalInt(text, "context_length", "text_cfg.context_length") ?? 77,
                VocabSize = OptionalInt(text, "vocab_size", "text_cfg.vocab_size") ?? 49408,
                Width = OptionalInt(text, "width", "text_cfg.width") ?? 512,
                Heads = OptionalInt(text, "heads", "text_cfg.heads") ?? 8,
                Layers = OptionalInt(text, "layers", "text_cfg.layers") ?? 12,
                MlpRatio = OptionalDouble(text, "mlp_ratio", "text_cfg.mlp_ratio") ?? 4.0,
                EotToken = OptionalInt(text, "eot_token", "text_cfg.eot_token"),
            },
        };
    }

    private static ClipConfig ReadOpenAi(JsonElement root)
    {
        var (layers, stages) = ReadLayers(root, "vision_layers", "vision_layers");
        var visionWidth = Int(root, "vision_width", "vision_width");
        var textWidth = Int(root, "transformer_width", "transformer_width");
        var visionHeads = OptionalInt(root, "vision_heads", "vision_heads");
        var headWidth = 64;
        if (visionHeads is { } heads)
        {
            // The width the heads split: the transformer's for a ViT, the attention pool's (width·32) for a ResNet.
            var split = stages is null ? visionWidth : visionWidth * 32;
            if (heads <= 0 || split % heads != 0)
                throw new FormatException($"vision_heads {heads} does not divide the vision tower's attention width {split}");
            headWidth = split / heads;
        }
        return new ClipConfig
        {
            EmbedDim = Int(root, "embed_dim", "embed_dim"),
            QuickGelu = true,
            Vision = new VisionConfig
            {
                ImageSize = Int(root, "image_resolution", "image_resolution"),
                Width = visionWidth,
                Layers = layers,
                ResNetLayers = stages,
                PatchSize = OptionalInt(root, "vision_patch_size", "vision_patch_size"),
                HeadWidth = headWidth,
            },
            Text = new TextConfig
            {
                ContextLength = Int(root, "context_length", "context_length"),
                VocabSize = Int(root, "vocab_size", "vocab_size"),
                Width = textWidth,
                Heads = OptionalInt(root, "transformer_heads", "transformer_heads") ?? textWidth / 64,
                Layers = Int(root, "transformer_layers", "transformer_layers"),
                EotToken = OptionalInt(root, "eot_token", "eot_token"),
            },
        };
    }

    /// <summary>An int (ViT depth) or an array of four ints (ResNet stage depths, whose sum is the depth).</summary>
    private static (int Layers, IReadOnlyList<int>? Stages) ReadLayers(JsonElement obj, string name, string field)
    {
        var value = Required(obj, name, field);
        if (value.ValueKind != JsonValueKind.Array) return (AsInt(value, field), null);
        if (value.GetArrayLength() > 16) throw new FormatException($"{field}: expected an integer or a short array of stage depths, got {value.GetArrayLength()} entries");
        var stages = value.EnumerateArray().Select((e, i) => AsInt(e, $"{field}[{i}]")).ToArray();
        return (stages.Sum(), stages);
    }

    private static JsonElement Required(JsonElement obj, string name, string field) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new FormatException($"CLIP config lacks \"{field}\"");

    private static JsonElement? Optional(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static JsonElement Object(JsonElement obj, string name, string field)
    {
        var value = Required(obj, name, field);
        return value.ValueKind == JsonValueKind.Object ? value : throw new FormatException($"{field}: expected an object, got {value.ValueKind}");
    }

    private static int Int(JsonElement obj, string name, string field) => AsInt(Required(obj, name, field), field);

    private static int? OptionalInt(JsonElement obj, string name, string field) => Optional(obj, name) is { } v ? AsInt(v, field) : null;

    private static double? OptionalDouble(JsonElement obj, string name, string field) =>
        Optional(obj, name) is { } v
            ? v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && double.IsFinite(d) ? d : throw Unexpected(field, "a number", v)
            : null;

    private static bool? OptionalBool(JsonElement obj, string name, string field) =>
        Optional(obj, name) is { } v
            ? v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw Unexpected(field, "true or false", v)
            : null;

    private static string? OptionalString(JsonElement obj, string name, string field) =>
        Optional(obj, name) is { } v
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw Unexpected(field, "a string", v)
            : null;

    private static int AsInt(JsonElement value, string field) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i) ? i : throw Unexpected(field, "an integer", value);

    private static FormatException Unexpected(string field, string expected, JsonElement value)
    {
        var text = value.GetRawText();
        return new FormatException($"{field}: expected {expected}, got {(text.Length > 40 ? text[..40] + "…" : text)}");
    }
}
