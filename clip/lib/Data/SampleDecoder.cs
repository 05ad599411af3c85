namespace ClipEngine.Clip.Data;

/// <summary>
/// Turns one <see cref="CaptionedImage"/> into its normalised [3, R, R] input with the Preprocessing pieces:
/// <see cref="ImageLoader"/> (decode limits, truncation checks, EXIF), <see cref="RgbConversion"/>, the
/// augmentation, <see cref="ChannelNormalizer"/>. Immutable, so the loader's workers share one.
/// </summary>
public sealed class SampleDecoder : ImageInputSettings
{
    public SampleDecoder(IImageAugmentation augmentation) => Augmentation = augmentation;

    public IImageAugmentation Augmentation { get; }

    public int Resolution => Augmentation.Resolution;

    /// <summary>Floats in one sample's [3, R, R] output.</summary>
    public int SampleFloats => 3 * Resolution * Resolution;

    /// <summary>Writes the sample's normalised CHW planes into <paramref name="chw"/>; a bad image is an <see cref="ImageLoadException"/>.</summary>
    public void DecodeInto(CaptionedImage sample, SampleKey key, Span<float> chw)
    {
        using var decoded = sample.ImageBytes is { } bytes
            ? ImageLoader.Decode(bytes, sample.Name, Limits, ApplyExifOrientation)
            : ImageLoader.Load(sample.ImagePath ?? throw new ArgumentException($"{sample.Name}: the sample has neither a path nor image bytes", nameof(sample)), Limits, ApplyExifOrientation);
        using var rgb = RgbConversion.ToRgb(decoded, Alpha);
        Augmentation.Apply(rgb, key);
        if (rgb.Width != Resolution || rgb.Height != Resolution)
            throw new InvalidOperationException($"{Augmentation.GetType().Name} produced {rgb.Width}×{rgb.Height}, not {Resolution}×{Resolution}");
        Normalizer.WriteChw(rgb, chw);
    }

    /// <summary>The [3, R, R] tensor of one sample (for inspection and tests; the loader writes into its own buffers).</summary>
    public Tensor Decode(CaptionedImage sample, SampleKey key)
    {
        var chw = new float[SampleFloats];
        DecodeInto(sample, key, chw);
        return Tensor.FromSpan<float>(chw, [3, Resolution, Resolution], DType.F32);
    }
}
