using System.Globalization;

namespace ClipEngine.Clip;

// OpenAI's build_model: everything but the head counts follows from the shapes of an OpenAI-named state dict.
public sealed partial record ClipConfig
{
    /// <summary><see cref="InferFromShapes"/> over a state dict's tensors.</summary>
    public static ClipConfig InferFromStateDict(IReadOnlyDictionary<string, Tensor> stateDict) =>
        InferFromShapes(stateDict.ToDictionary(p => p.Key, p => p.Value.Shape, StringComparer.Ordinal));

    /// <summary>
    /// The config of an OpenAI-named checkpoint from its tensor shapes alone, as OpenAI's build_model does: widths,
    /// depths, patch size, resolution, context length and vocabulary from the shapes, QuickGELU, and heads of
    /// width 64 in both towers (heads = width / 64). That last rule is OpenAI's convention, not something the
    /// weights record: a model trained with other head counts needs its config (which then overrides this).
    /// A ResNet tower is described here but cannot be built yet.
    /// </summary>
    public static ClipConfig InferFromShapes(IReadOnlyDictionary<string, int[]> shapes)
    {
        int[] Shape(string key) => shapes.TryGetValue(key, out var s)
            ? s
            : throw new ArgumentException($"cannot infer the CLIP config from the checkpoint's shapes: it lacks \"{key}\" (an OpenAI-named state dict is expected)");
        int Dim(string key, int axis, int rank)
        {
            var s = Shape(key);
            return s.Length == rank ? s[axis] : throw new ArgumentException($"cannot infer the CLIP config: \"{key}\" has shape {ShapeUtil.Format(s)}, expected rank {rank}");
        }
        int DistinctIndices(string prefix) => shapes.Keys
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Select(k => k[prefix.Length..].Split('.')[0])
            .Distinct(StringComparer.Ordinal).Count();

        VisionConfig vision;
        if (shapes.ContainsKey("visual.proj"))
        {
            var width = Dim("visual.conv1.weight", 0, 4);
            var patch = Dim("visual.conv1.weight", 3, 4);
            var grid = (int)Math.Round(Math.Sqrt(Dim("visual.positional_embedding", 0, 2) - 1));
            vision = new VisionConfig
            {
                ImageSize = patch * grid,
                Width = width,
                PatchSize = patch,
                Layers = shapes.Keys.Count(k => k.StartsWith("visual.", StringComparison.Ordinal) && k.EndsWith(".attn.in_proj_weight", StringComparison.Ordinal)),
                MlpRatio = (double)Dim("visual.transformer.resblocks.0.mlp.c_fc.weight", 0, 2) / width,
            };
        }
        else
        {
            int[] stages = [.. Enumerable.Range(1, 4).Select(b => DistinctIndices(string.Create(CultureInfo.InvariantCulture, $"visual.layer{b}.")))];
            var outputWidth = (int)Math.Round(Math.Sqrt(Dim("visual.attnpool.positional_embedding", 0, 2) - 1));
            vision = new VisionConfig
            {
                ImageSize = outputWidth * 32,
                Width = Dim("visual.layer1.0.conv1.weight", 0, 4),
                Layers = stages.Sum(),
                ResNetLayers = stages,
            };
        }
        var textWidth = Dim("ln_final.weight", 0, 1);
        var config = new ClipConfig
        {
            EmbedDim = Dim("text_projection", 1, 2),
            QuickGelu = true,
            Vision = vision,
            Text = new TextConfig
            {
                ContextLength = Dim("positional_embedding", 0, 2),
                VocabSize = Dim("token_embedding.weight", 0, 2),
                Width = textWidth,
                Heads = textWidth / 64,
                Layers = DistinctIndices("transformer.resblocks."),
                MlpRatio = (double)Dim("transformer.resblocks.0.mlp.c_fc.weight", 0, 2) / textWidth,
            },
        };
        try
        {
            return config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(e.Message + "\n  (inferred from shapes with OpenAI's 64-wide heads; give a config with the head counts)", e);
        }
    }
}
