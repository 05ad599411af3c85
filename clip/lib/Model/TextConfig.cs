namespace ClipEngine.Clip;

/// <summary>The text tower in open_clip's <c>text_cfg</c> terms; the defaults are OpenAI's ViT-B text encoder.</summary>
public sealed record TextConfig
{
    /// <summary>Most tokens per text (77 for CLIP); shorter token tensors are accepted, longer ones are not.</summary>
    public int ContextLength { get; init; } = 77;

    public int VocabSize { get; init; } = 49408;

    public int Width { get; init; } = 512;

    public int Heads { get; init; } = 8;

    public int Layers { get; init; } = 12;

    /// <summary>The MLP's hidden width is Width · MlpRatio.</summary>
    public double MlpRatio { get; init; } = 4.0;

    /// <summary>
    /// The end-of-text id the text is pooled at; null means the last id of the vocabulary, as in OpenAI's
    /// vocabulary (49407 of 49408). Saved as <c>text_cfg.eot_token</c> (an extension of open_clip's format) when set.
    /// </summary>
    public int? EotToken { get; init; }

    public int EotTokenId => EotToken ?? VocabSize - 1;

    public int MlpWidth => (int)(Width * MlpRatio);

    internal IEnumerable<string> Problems()
    {
        if (ContextLength <= 0) yield return $"text_cfg.context_length must be positive, got {ContextLength}";
        if (VocabSize <= 0) yield return $"text_cfg.vocab_size must be positive, got {VocabSize}";
        if (Width <= 0) yield return $"text_cfg.width must be positive, got {Width}";
        if (Layers <= 0) yield return $"text_cfg.layers must be positive, got {Layers}";
        if (Heads <= 0 || Width % Heads != 0) yield return $"text_cfg.heads {Heads} must be positive and divide text_cfg.width {Width}";
        if (MlpRatio <= 0 || MlpWidth <= 0) yield return $"text_cfg.mlp_ratio must give a positive MLP width, got {MlpRatio}";
        if ((uint)EotTokenId >= (uint)VocabSize) yield return $"text_cfg.eot_token {EotTokenId} is outside the vocabulary [0, {VocabSize})";
    }
}
