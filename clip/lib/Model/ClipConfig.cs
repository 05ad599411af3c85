namespace ClipEngine.Clip;

/// <summary>
/// The shape of a CLIP model as open_clip's model configs describe it: the joint embedding width, the activation
/// (QuickGELU as OpenAI trained with, or exact GELU) and the two towers. Read and written as open_clip JSON
/// (<see cref="FromJson"/>, <see cref="ToJson"/>), also read from OpenAI-style configs, inferred from a
/// checkpoint's shapes (<see cref="InferFromShapes"/>) or taken from a named preset (<see cref="FromPreset"/>).
/// </summary>
public sealed partial record ClipConfig
{
    /// <summary>Width of the joint image–text embedding both projections map to.</summary>
    public required int EmbedDim { get; init; }

    /// <summary>x·σ(1.702x) in the MLPs (OpenAI's weights) rather than the exact GELU (open_clip's default).</summary>
    public bool QuickGelu { get; init; }

    public required VisionConfig Vision { get; init; }

    public required TextConfig Text { get; init; }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid value, or returns this config.</summary>
    public ClipConfig Validate()
    {
        var problems = Vision.Problems().Concat(Text.Problems()).ToList();
        if (EmbedDim <= 0) problems.Insert(0, $"embed_dim must be positive, got {EmbedDim}");
        if (problems.Count > 0) throw new ArgumentException("invalid CLIP config:\n  " + string.Join("\n  ", problems));
        return this;
    }

    /// <summary>
    /// Parameters of the model this config builds, computed from the config alone (no weights allocated):
    /// 151,277,313 for OpenAI's ViT-B/32. ResNet towers are not counted yet.
    /// </summary>
    public long ParameterCount()
    {
        Validate();
        if (Vision.IsResNet) throw new NotSupportedException(ClipModel.ResNetNotImplemented);
        var v = Vision;
        var patch = v.PatchSize!.Value;
        var tokens = (long)v.GridSize * v.GridSize + 1;
        var vision = (long)v.Width * 3 * patch * patch + v.Width + tokens * v.Width + 4L * v.Width
            + v.Layers * BlockParameters(v.Width, v.MlpWidth) + (long)v.Width * EmbedDim;
        var t = Text;
        var text = ((long)t.VocabSize + t.ContextLength) * t.Width + t.Layers * BlockParameters(t.Width, t.MlpWidth)
            + 2L * t.Width + (long)t.Width * EmbedDim;
        return vision + text + 1;
    }

    /// <summary>ln_1, packed q/k/v and output projections, ln_2, c_fc and c_proj of one residual attention block.</summary>
    private static long BlockParameters(long width, long mlpWidth) =>
        2 * width + 3 * width * (width + 1) + width * (width + 1) + 2 * width + mlpWidth * (width + 1) + width * (mlpWidth + 1);
}
