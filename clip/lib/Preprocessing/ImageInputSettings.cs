namespace ClipEngine.Clip;

/// <summary>
/// How an untrusted image file becomes a model input, the settings <see cref="ImagePreprocessor"/> (inference) and
/// <see cref="Data.SampleDecoder"/> (training) share: the decode limits, EXIF orientation, transparency, and the
/// per-channel normalisation (OpenAI's dataset statistics unless set).
/// </summary>
public abstract class ImageInputSettings
{
    private ChannelNormalizer _normalizer = new(ImagePreprocessor.OpenAIDatasetMean, ImagePreprocessor.OpenAIDatasetStd);

    private protected ImageInputSettings()
    {
    }

    public IReadOnlyList<float> Mean
    {
        get => _normalizer.Mean;
        init => _normalizer = new ChannelNormalizer(value, _normalizer.Std);
    }

    public IReadOnlyList<float> Std
    {
        get => _normalizer.Std;
        init => _normalizer = new ChannelNormalizer(_normalizer.Mean, value);
    }

    public ImageDecodeLimits Limits { get; init; } = ImageDecodeLimits.Default;

    public AlphaHandling Alpha { get; init; } = AlphaHandling.CompositeOnWhite;

    public bool ApplyExifOrientation { get; init; } = true;

    /// <summary>Normalises with <see cref="Mean"/> and <see cref="Std"/>.</summary>
    private protected ChannelNormalizer Normalizer => _normalizer;
}
