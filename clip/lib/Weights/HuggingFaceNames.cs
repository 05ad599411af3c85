namespace ClipEngine.Clip;

/// <summary>
/// Hugging Face <c>CLIPModel</c> state-dict names ↔ OpenAI's. Besides renames, HF splits each packed attention
/// <c>in_proj</c> into q/k/v projections (in that order) and stores both projections transposed (nn.Linear weights).
/// Keys neither naming knows pass through unchanged, so the model loader reports them.
/// </summary>
internal static class HuggingFaceNames
{
    private const string VisionLayers = "vision_model.encoder.layers.";
    private const string TextLayers = "text_model.encoder.layers.";
    private const string OpenAiVisionLayers = "visual.transformer.resblocks.";
    private const string OpenAiTextLayers = "transformer.resblocks.";
    private static readonly string[] QkvParts = ["q_proj", "k_proj", "v_proj"];

    // HF name → OpenAI name outside the layers; the two projections are also transposed.
    private static readonly (string Hf, string OpenAi)[] Globals =
    [
        ("vision_model.embeddings.class_embedding", "visual.class_embedding"),
        ("vision_model.embeddings.patch_embedding.weight", "visual.conv1.weight"),
        ("vision_model.embeddings.position_embedding.weight", "visual.positional_embedding"),
        ("vision_model.pre_layrnorm.weight", "visual.ln_pre.weight"),
        ("vision_model.pre_layrnorm.bias", "visual.ln_pre.bias"),
        ("vision_model.post_layernorm.weight", "visual.ln_post.weight"),
        ("vision_model.post_layernorm.bias", "visual.ln_post.bias"),
        ("visual_projection.weight", "visual.proj"),
        ("text_model.embeddings.token_embedding.weight", "token_embedding.weight"),
        ("text_model.embeddings.position_embedding.weight", "positional_embedding"),
        ("text_model.final_layer_norm.weight", "ln_final.weight"),
        ("text_model.final_layer_norm.bias", "ln_final.bias"),
        ("text_projection.weight", "text_projection"),
        ("logit_scale", "logit_scale"),
    ];

    private static readonly HashSet<string> Transposed = new(StringComparer.Ordinal) { "visual_projection.weight", "text_projection.weight" };

    // Within one layer: HF suffix → OpenAI suffix (q/k/v handled apart).
    private static readonly (string Hf, string OpenAi)[] LayerParts =
    [
        ("self_attn.out_proj.weight", "attn.out_proj.weight"),
        ("self_attn.out_proj.bias", "attn.out_proj.bias"),
        ("layer_norm1.weight", "ln_1.weight"),
        ("layer_norm1.bias", "ln_1.bias"),
        ("layer_norm2.weight", "ln_2.weight"),
        ("layer_norm2.bias", "ln_2.bias"),
        ("mlp.fc1.weight", "mlp.c_fc.weight"),
        ("mlp.fc1.bias", "mlp.c_fc.bias"),
        ("mlp.fc2.weight", "mlp.c_proj.weight"),
        ("mlp.fc2.bias", "mlp.c_proj.bias"),
    ];

    private static readonly Dictionary<string, string> HfToOpenAi = Globals.ToDictionary(p => p.Hf, p => p.OpenAi, StringComparer.Ordinal);
    private static readonly Dictionary<string, string> OpenAiToHf = Globals.ToDictionary(p => p.OpenAi, p => p.Hf, StringComparer.Ordinal);
    private static readonly Dictionary<string, string> HfLayerToOpenAi = LayerParts.ToDictionary(p => p.Hf, p => p.OpenAi, StringComparer.Ordinal);
    private static readonly Dictionary<string, string> OpenAiLayerToHf = LayerParts.ToDictionary(p => p.OpenAi, p => p.Hf, StringComparer.Ordinal);

    /// <summary>True when the keys are Hugging Face's (a vision or text tower under its <c>CLIPModel</c> names).</summary>
    public static bool IsHuggingFace(IEnumerable<string> keys) =>
        keys.Any(k => k.StartsWith("vision_model.", StringComparison.Ordinal) || k.StartsWith("text_model.", StringComparison.Ordinal));

    public static List<KeyValuePair<string, HostTensor>> ToOpenAi(IEnumerable<KeyValuePair<string, HostTensor>> hf)
    {
        var result = new List<KeyValuePair<string, HostTensor>>();
        var pending = new Dictionary<string, HostTensor?[]>(StringComparer.Ordinal);
        foreach (var (key, tensor) in hf)
        {
            // A constant arange buffer of older HF versions, not a weight.
            if (key.EndsWith(".embeddings.position_ids", StringComparison.Ordinal)) continue;
            if (HfToOpenAi.TryGetValue(key, out var name))
            {
                result.Add(new(name, Transposed.Contains(key) ? tensor.Transpose2D(key) : tensor));
            }
            else if (TrySplitLayer(key, VisionLayers, TextLayers, out var tower, out var layer, out var part))
            {
                var openAiPrefix = (tower == VisionLayers ? OpenAiVisionLayers : OpenAiTextLayers) + layer + ".";
                if (TryQkv(part, out var which, out var kind))
                {
                    var target = $"{openAiPrefix}attn.in_proj_{kind}";
                    if (!pending.TryGetValue(target, out var parts)) pending[target] = parts = new HostTensor?[3];
                    parts[which] = tensor;
                    if (parts.All(p => p is not null))
                    {
                        result.Add(new(target, HostTensor.ConcatRows(target, parts!)));
                        pending.Remove(target);
                    }
                }
                else
                {
                    result.Add(new(HfLayerToOpenAi.TryGetValue(part, out var mapped) ? openAiPrefix + mapped : key, tensor));
                }
            }
            else
            {
                result.Add(new(key, tensor));
            }
        }

        if (pending.Count > 0)
        {
            var missing = pending.Select(p => $"{p.Key} lacks {string.Join(", ", Enumerable.Range(0, 3).Where(i => p.Value[i] is null).Select(i => QkvParts[i]))}");
            throw new InvalidDataException($"incomplete q/k/v projections: {string.Join("; ", missing)}");
        }
        return result;
    }

    public static List<KeyValuePair<string, HostTensor>> FromOpenAi(IEnumerable<KeyValuePair<string, HostTensor>> openAi)
    {
        var result = new List<KeyValuePair<string, HostTensor>>();
        foreach (var (key, tensor) in openAi)
        {
            if (OpenAiToHf.TryGetValue(key, out var name))
            {
                result.Add(new(name, Transposed.Contains(name) ? tensor.Transpose2D(key) : tensor));
            }
            else if (TrySplitLayer(key, OpenAiVisionLayers, OpenAiTextLayers, out var tower, out var layer, out var part))
            {
                var hfPrefix = (tower == OpenAiVisionLayers ? VisionLayers : TextLayers) + layer + ".";
                if (part is "attn.in_proj_weight" or "attn.in_proj_bias")
                {
                    var kind = part.EndsWith("weight", StringComparison.Ordinal) ? "weight" : "bias";
                    var slices = tensor.SplitRows(key, 3);
                    for (var i = 0; i < 3; i++) result.Add(new($"{hfPrefix}self_attn.{QkvParts[i]}.{kind}", slices[i]));
                }
                else
                {
                    result.Add(new(OpenAiLayerToHf.TryGetValue(part, out var mapped) ? hfPrefix + mapped : key, tensor));
                }
            }
            else
            {
                result.Add(new(key, tensor));
            }
        }
        return result;
    }

    /// <summary>Splits "&lt;tower prefix&gt;&lt;layer&gt;.&lt;part&gt;" for either tower prefix.</summary>
    private static bool TrySplitLayer(string key, string first, string second, out string tower, out string layer, out string part)
    {
        tower = key.StartsWith(first, StringComparison.Ordinal) ? first : key.StartsWith(second, StringComparison.Ordinal) ? second : "";
        layer = part = "";
        if (tower.Length == 0) return false;
        var rest = key[tower.Length..];
        var dot = rest.IndexOf('.');
        if (dot <= 0 || !rest[..dot].All(char.IsAsciiDigit)) return false;
        layer = rest[..dot];
        part = rest[(dot + 1)..];
        return true;
    }

    private static bool TryQkv(string part, out int which, out string kind)
    {
        which = -1;
        kind = part.EndsWith(".weight", StringComparison.Ordinal) ? "weight" : part.EndsWith(".bias", StringComparison.Ordinal) ? "bias" : "";
        if (kind.Length == 0 || !part.StartsWith("self_attn.", StringComparison.Ordinal)) return false;
        which = Array.IndexOf(QkvParts, part["self_attn.".Length..^(kind.Length + 1)]);
        return which >= 0;
    }
}
