using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ClipEngine.Clip.Data;

/// <summary>
/// torchvision's RandomResizedCrop as open_clip trains with it: a window of a random fraction of the area (scale,
/// default (0.9, 1.0)) and a log-uniform aspect ratio (default (3/4, 4/3)), up to 10 attempts to fit it, else a
/// centre crop clamped to the ratio range; then a bicubic resize to R × R (<see cref="ImageTransforms"/>). The
/// draws come from (seed, epoch, sample index) alone, so a sample is cropped the same way on any worker and on resume.
/// </summary>
public sealed class RandomResizedCrop : IImageAugmentation
{
    private const int Attempts = 10;

    public RandomResizedCrop(int resolution, (double Min, double Max)? scale = null, (double Min, double Max)? ratio = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resolution);
        Resolution = resolution;
        Scale = scale ?? (0.9, 1.0);
        Ratio = ratio ?? (3.0 / 4.0, 4.0 / 3.0);
        if (!(Scale.Min > 0 && Scale.Min <= Scale.Max && Scale.Max <= 1))
            throw new ArgumentOutOfRangeException(nameof(scale), Scale, "the scale range must satisfy 0 < min ≤ max ≤ 1");
        if (!(Ratio.Min > 0 && Ratio.Min <= Ratio.Max && double.IsFinite(Ratio.Max)))
            throw new ArgumentOutOfRangeException(nameof(ratio), Ratio, "the ratio range must satisfy 0 < min ≤ max < ∞");
    }

    public int Resolution { get; }

    public (double Min, double Max) Scale { get; }

    public (double Min, double Max) Ratio { get; }

    public void Apply(Image<Rgb24> image, SampleKey key)
    {
        ImageTransforms.Crop(image, GetParams(image.Width, image.Height, key));
        ImageTransforms.Resize(image, new Size(Resolution, Resolution));
    }

    /// <summary>torchvision's <c>RandomResizedCrop.get_params</c>: the crop window for a width × height image.</summary>
    public Rectangle GetParams(int width, int height, SampleKey key)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"cannot crop an empty {width}×{height} image");
        var random = DataRandom.ForItem(key.Seed, DataRandomPurpose.Augmentation, key.Epoch, key.Index);
        var area = (double)width * height;
        var (logMin, logMax) = (Math.Log(Ratio.Min), Math.Log(Ratio.Max));
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var targetArea = area * random.Uniform(Scale.Min, Scale.Max);
            var aspect = Math.Exp(random.Uniform(logMin, logMax));
            var w = RoundHalfEven(Math.Sqrt(targetArea * aspect));
            var h = RoundHalfEven(Math.Sqrt(targetArea / aspect));
            if (w > 0 && w <= width && h > 0 && h <= height)
            {
                var top = (int)random.NextInt(height - h + 1);
                var left = (int)random.NextInt(width - w + 1);
                return new Rectangle(left, top, w, h);
            }
        }
        return CenterFallback(width, height);
    }

    /// <summary>The whole image, narrowed to the nearest allowed aspect ratio if it lies outside the range, centred.</summary>
    private Rectangle CenterFallback(int width, int height)
    {
        var inRatio = (double)width / height;
        var (w, h) = inRatio < Ratio.Min ? (width, RoundHalfEven(width / Ratio.Min))
            : inRatio > Ratio.Max ? (RoundHalfEven(height * Ratio.Max), height)
            : (width, height);
        return new Rectangle((width - w) / 2, (height - h) / 2, w, h);
    }

    private static int RoundHalfEven(double value) => (int)Math.Round(value, MidpointRounding.ToEven);
}
