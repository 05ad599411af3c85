namespace ClipEngine.Clip;

/// <summary>
/// The image tower in open_clip's <c>vision_cfg</c> terms. A ViT has an int <see cref="Layers"/> and a
/// <see cref="PatchSize"/>; OpenAI's ModifiedResNet (the RN50 family) has four stage depths in
/// <see cref="ResNetLayers"/> and no patch size — it can be described and saved, but not built yet.
/// </summary>
public sealed record VisionConfig
{
    /// <summary>Input resolution: images are [B, 3, ImageSize, ImageSize].</summary>
    public required int ImageSize { get; init; }

    /// <summary>Transformer width (ViT) or stem width (ResNet).</summary>
    public required int Width { get; init; }

    /// <summary>Number of residual attention blocks of a ViT; for a ResNet the sum of its stage depths.</summary>
    public int Layers { get; init; }

    /// <summary>Blocks per stage of a ResNet tower ([3, 4, 6, 3] for RN50); null for a ViT.</summary>
    public IReadOnlyList<int>? ResNetLayers { get; init; }

    public int? PatchSize { get; init; }

    /// <summary>Width of one attention head; a ViT has Width / HeadWidth heads (OpenAI: 64, so heads = width / 64).</summary>
    public int HeadWidth { get; init; } = 64;

    /// <summary>The MLP's hidden width is Width · MlpRatio.</summary>
    public double MlpRatio { get; init; } = 4.0;

    public bool IsResNet => ResNetLayers is not null;

    /// <summary>Attention heads: Width / HeadWidth for a ViT, Width·32 / HeadWidth for a ResNet's attention pool (as open_clip).</summary>
    public int Heads => IsResNet ? Width * 32 / HeadWidth : Width / HeadWidth;

    /// <summary>Patches per side of a ViT.</summary>
    public int GridSize => ImageSize / (PatchSize ?? throw new InvalidOperationException("a ResNet vision tower has no patch grid"));

    public int MlpWidth => (int)(Width * MlpRatio);

    public bool Equals(VisionConfig? other) =>
        other is not null && ImageSize == other.ImageSize && Width == other.Width && Layers == other.Layers && PatchSize == other.PatchSize
        && HeadWidth == other.HeadWidth && MlpRatio.Equals(other.MlpRatio)
        && (ResNetLayers is null ? other.ResNetLayers is null : other.ResNetLayers is not null && ResNetLayers.SequenceEqual(other.ResNetLayers));

    public override int GetHashCode() => HashCode.Combine(ImageSize, Width, Layers, PatchSize, HeadWidth, MlpRatio, ResNetLayers?.Count);

    /// <summary>Every problem with the values, each naming its open_clip field.</summary>
    internal IEnumerable<string> Problems()
    {
        if (ImageSize <= 0) yield return $"vision_cfg.image_size must be positive, got {ImageSize}";
        if (Width <= 0) yield return $"vision_cfg.width must be positive, got {Width}";
        if (HeadWidth <= 0) yield return $"vision_cfg.head_width must be positive, got {HeadWidth}";
        if (IsResNet)
        {
            if (ResNetLayers!.Count != 4 || ResNetLayers.Any(n => n <= 0))
                yield return $"vision_cfg.layers of a ResNet must be four positive stage depths, got [{string.Join(", ", ResNetLayers)}]";
            yield break;
        }
        if (Layers <= 0) yield return $"vision_cfg.layers must be positive, got {Layers}";
        if (MlpRatio <= 0 || MlpWidth <= 0) yield return $"vision_cfg.mlp_ratio must give a positive MLP width, got {MlpRatio}";
        if (PatchSize is not > 0) yield return $"vision_cfg.patch_size must be a positive integer for a ViT, got {PatchSize?.ToString() ?? "null"}";
        else if (ImageSize % PatchSize != 0) yield return $"vision_cfg.image_size {ImageSize} is not a multiple of patch_size {PatchSize}";
        if (HeadWidth > 0 && Width % HeadWidth != 0) yield return $"vision_cfg.width {Width} is not a multiple of head_width {HeadWidth}";
    }
}
