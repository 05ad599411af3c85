using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.PixelFormats;

namespace ClipEngine.Clip;

/// <summary>RGBA → RGB by one of the <see cref="AlphaHandling"/> rules.</summary>
public static class RgbConversion
{
    public static Image<Rgb24> ToRgb(Image<Rgba32> image, AlphaHandling alpha)
    {
        var rgb = new Image<Rgb24>(image.GetConfiguration(), image.Width, image.Height);
        image.ProcessPixelRows(rgb, (source, target) =>
        {
            for (var y = 0; y < source.Height; y++)
            {
                var from = source.GetRowSpan(y);
                var to = target.GetRowSpan(y);
                for (var x = 0; x < from.Length; x++) to[x] = Convert(from[x], alpha);
            }
        });
        return rgb;
    }

    private static Rgb24 Convert(Rgba32 p, AlphaHandling alpha)
    {
        if (alpha == AlphaHandling.Drop || p.A == 255) return new Rgb24(p.R, p.G, p.B);
        var white = 255 * (255 - p.A);
        return new Rgb24(Blend(p.R, p.A, white), Blend(p.G, p.A, white), Blend(p.B, p.A, white));
    }

    private static byte Blend(byte c, byte a, int white) => (byte)((c * a + white + 127) / 255);
}
