using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ClipEngine.Clip;

/// <summary>
/// torchvision's geometric transforms on RGB images, with torchvision's size and offset rounding.
/// Resampling is ImageSharp's bicubic, which is PIL's filter: a = −0.5, widened by the scale factor on
/// downscale (antialiasing), the same pixel-centre alignment and edge renormalisation. Only the arithmetic
/// differs: PIL uses fixed-point weights and rounds and clips the intermediate image to 8 bits between its
/// horizontal and vertical passes; ImageSharp stays in float and rounds once. Results are within one 8-bit
/// level of PIL except next to hard edges where the bicubic overshoot passes 0 or 255 (see README.md).
/// </summary>
public static class ImageTransforms
{
    /// <summary>Resize(size) for an int size: the short side becomes <paramref name="shortSide"/>, the long side int(shortSide · long / short).</summary>
    public static Size ShortestSideSize(int width, int height, int shortSide)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"cannot resize an empty {width}×{height} image");
        if (shortSide <= 0) throw new ArgumentOutOfRangeException(nameof(shortSide), shortSide, "the target size must be positive");
        // Python's true division then int(): a correctly rounded double quotient, truncated.
        return width <= height
            ? new Size(shortSide, (int)((double)shortSide * height / width))
            : new Size((int)((double)shortSide * width / height), shortSide);
    }

    /// <summary>CenterCrop's window: top = round((h − cropHeight) / 2.0) with Python's round half to even, likewise left.</summary>
    public static Rectangle CenterCropRectangle(int width, int height, int cropWidth, int cropHeight)
    {
        if (cropWidth <= 0 || cropHeight <= 0 || cropWidth > width || cropHeight > height)
            throw new ArgumentException($"cannot center-crop {cropWidth}×{cropHeight} from a {width}×{height} image");
        var left = (int)Math.Round((width - cropWidth) / 2.0, MidpointRounding.ToEven);
        var top = (int)Math.Round((height - cropHeight) / 2.0, MidpointRounding.ToEven);
        return new Rectangle(left, top, cropWidth, cropHeight);
    }

    /// <summary>Bicubic resize in place; an image already of that size is left untouched, as torchvision does.</summary>
    public static void Resize(Image<Rgb24> image, Size size)
    {
        if (image.Size() == size) return;
        image.Mutate(x => x.Resize(new ResizeOptions
        {
            Size = size,
            Mode = ResizeMode.Stretch,
            Sampler = KnownResamplers.Bicubic,
            Compand = false,
        }));
    }

    public static void ResizeShortestSide(Image<Rgb24> image, int shortSide) =>
        Resize(image, ShortestSideSize(image.Width, image.Height, shortSide));

    public static void Crop(Image<Rgb24> image, Rectangle region)
    {
        if (region == new Rectangle(0, 0, image.Width, image.Height)) return;
        image.Mutate(x => x.Crop(region));
    }

    public static void CenterCrop(Image<Rgb24> image, int size) =>
        Crop(image, CenterCropRectangle(image.Width, image.Height, size, size));
}
