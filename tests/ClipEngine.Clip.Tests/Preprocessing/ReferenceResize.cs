using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ClipEngine.Clip.Tests.Preprocessing;

/// <summary>
/// PIL's bicubic resize (libImaging/Resample.c: a = −0.5, support widened by the scale on downscale, pixel
/// centres at i + 0.5, taps clipped at the edges and renormalised), horizontal pass then vertical pass, each
/// pass only where that axis changes size. <see cref="Exact"/> keeps float64 throughout; <see cref="Pil"/>
/// repeats PIL's 8-bit arithmetic: weights in 22-bit fixed point, each pass rounded and clipped to 8 bits.
/// </summary>
internal static class ReferenceResize
{
    private const int PrecisionBits = 32 - 8 - 2;

    public static double[,,] Exact(Image<Rgb24> image, int width, int height) =>
        Resize(image, width, height, (weights, samples) => weights.Zip(samples, (w, s) => w * s).Sum());

    public static double[,,] Pil(Image<Rgb24> image, int width, int height) =>
        Resize(image, width, height, (weights, samples) =>
        {
            long sum = 1 << (PrecisionBits - 1);
            for (var k = 0; k < weights.Length; k++)
                sum += (long)samples[k] * (int)(weights[k] < 0 ? -0.5 + weights[k] * (1 << PrecisionBits) : 0.5 + weights[k] * (1 << PrecisionBits));
            return Math.Clamp(sum >> PrecisionBits, 0, 255);
        });

    private static double[,,] Resize(Image<Rgb24> image, int width, int height, Func<double[], double[], double> pass)
    {
        var planes = new double[image.Height, image.Width, 3];
        for (var y = 0; y < image.Height; y++)
        for (var x = 0; x < image.Width; x++)
            (planes[y, x, 0], planes[y, x, 1], planes[y, x, 2]) = (image[x, y].R, image[x, y].G, image[x, y].B);
        if (width != image.Width) planes = Pass(planes, width, horizontal: true, pass);
        if (height != image.Height) planes = Pass(planes, height, horizontal: false, pass);
        return planes;
    }

    private static double[,,] Pass(double[,,] input, int outSize, bool horizontal, Func<double[], double[], double> pass)
    {
        var (rows, cols) = (input.GetLength(0), input.GetLength(1));
        var (weights, first) = Weights(horizontal ? cols : rows, outSize);
        var output = horizontal ? new double[rows, outSize, 3] : new double[outSize, cols, 3];
        for (var o = 0; o < outSize; o++)
        for (var other = 0; other < (horizontal ? rows : cols); other++)
        for (var c = 0; c < 3; c++)
        {
            var samples = new double[weights[o].Length];
            for (var k = 0; k < samples.Length; k++)
                samples[k] = horizontal ? input[other, first[o] + k, c] : input[first[o] + k, other, c];
            var value = pass(weights[o], samples);
            if (horizontal) output[other, o, c] = value;
            else output[o, other, c] = value;
        }
        return output;
    }

    private static (double[][] Weights, int[] First) Weights(int inSize, int outSize)
    {
        var scale = (double)inSize / outSize;
        var filterScale = Math.Max(scale, 1.0);
        var support = 2.0 * filterScale;
        var weights = new double[outSize][];
        var first = new int[outSize];
        for (var i = 0; i < outSize; i++)
        {
            var center = (i + 0.5) * scale;
            var min = Math.Max((int)(center - support + 0.5), 0);
            var max = Math.Min((int)(center + support + 0.5), inSize);
            var w = new double[max - min];
            for (var j = 0; j < w.Length; j++) w[j] = Cubic((j + min - center + 0.5) / filterScale);
            var sum = w.Sum();
            for (var j = 0; j < w.Length; j++) w[j] /= sum;
            weights[i] = w;
            first[i] = min;
        }
        return (weights, first);
    }

    private static double Cubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
        return 0;
    }
}
