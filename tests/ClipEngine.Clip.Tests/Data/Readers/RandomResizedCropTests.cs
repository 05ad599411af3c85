using ClipEngine.Clip.Data;
using ClipEngine.Clip.Tests.Preprocessing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ClipEngine.Clip.Tests.Data.Readers;

public class RandomResizedCropTests
{
    private const int Draws = 4000;

    private static List<Rectangle> Windows(RandomResizedCrop crop, int width, int height, ulong seed = 1, int epoch = 0) =>
        [.. Enumerable.Range(0, Draws).Select(i => crop.GetParams(width, height, new SampleKey(seed, epoch, i)))];

    [Fact]
    public void Windows_StayInsideTheImage_WithinScaleAndRatio_UpToRounding()
    {
        const int width = 320, height = 240;
        var crop = new RandomResizedCrop(224);
        foreach (var w in Windows(crop, width, height))
        {
            Assert.True(w.Left >= 0 && w.Top >= 0 && w.Right <= width && w.Bottom <= height, $"{w} leaves the image");
            // w and h are each rounded to the nearest integer, so area and ratio are checked with half-pixel slack.
            var area = (double)w.Width * w.Height / (width * height);
            var areaSlack = 0.5 * (w.Width + w.Height + 0.5) / (width * height);
            Assert.InRange(area, 0.9 - areaSlack, 1.0 + areaSlack);
            Assert.InRange((double)w.Width / w.Height, 0.75 * (w.Width - 0.5) / (w.Width + 0.5), 4.0 / 3.0 * (w.Width + 0.5) / (w.Width - 0.5));
        }
    }

    [Fact]
    public void Draws_FollowTorchvisionsDistributions()
    {
        // Square image: every attempt's window fits when both sides are at most the image side, which happens only
        // for aspect ratios near 1 at scale ~1; so compare against the distribution conditioned the same way, in float64.
        const int side = 400;
        var windows = Windows(new RandomResizedCrop(224), side, side);
        var expected = ReferenceMoments(side, side);
        var areas = windows.Select(w => (double)w.Width * w.Height / (side * side)).ToList();
        var logRatios = windows.Select(w => Math.Log((double)w.Width / w.Height)).ToList();
        Assert.InRange(areas.Average(), expected.MeanArea - 0.003, expected.MeanArea + 0.003);
        Assert.InRange(logRatios.Average(), expected.MeanLogRatio - 0.01, expected.MeanLogRatio + 0.01);
        Assert.InRange(logRatios.Select(r => Math.Abs(r)).Average(), expected.MeanAbsLogRatio - 0.01, expected.MeanAbsLogRatio + 0.01);

        // Offsets are uniform over the free range: their mean fraction is 1/2 (σ of the mean ≈ 0.29 / √n).
        var free = windows.Where(w => w.Width < side).Select(w => w.Left / (double)(side - w.Width)).ToList();
        Assert.True(free.Count > 1000);
        Assert.InRange(free.Average(), 0.5 - 4 * 0.29 / Math.Sqrt(free.Count), 0.5 + 4 * 0.29 / Math.Sqrt(free.Count));
    }

    /// <summary>
    /// Monte Carlo in float64 of torchvision's get_params on a side × side image with System.Random: the mean area
    /// fraction and log aspect ratio of the accepted windows (the centre fallback included).
    /// </summary>
    private static (double MeanArea, double MeanLogRatio, double MeanAbsLogRatio) ReferenceMoments(int width, int height)
    {
        var random = new Random(12345);
        double area = 0, logRatio = 0, absLogRatio = 0;
        const int n = 200_000;
        for (var k = 0; k < n; k++)
        {
            var (w, h) = (width, height);
            for (var attempt = 0; attempt < 10; attempt++)
            {
                var target = width * height * (0.9 + 0.1 * random.NextDouble());
                var aspect = Math.Exp(Math.Log(0.75) + (Math.Log(4.0 / 3.0) - Math.Log(0.75)) * random.NextDouble());
                var cw = (int)Math.Round(Math.Sqrt(target * aspect), MidpointRounding.ToEven);
                var ch = (int)Math.Round(Math.Sqrt(target / aspect), MidpointRounding.ToEven);
                if (cw > 0 && cw <= width && ch > 0 && ch <= height)
                {
                    (w, h) = (cw, ch);
                    break;
                }
            }
            area += (double)w * h / (width * height);
            logRatio += Math.Log((double)w / h);
            absLogRatio += Math.Abs(Math.Log((double)w / h));
        }
        return (area / n, logRatio / n, absLogRatio / n);
    }

    [Theory]
    [InlineData(1000, 100)]
    [InlineData(100, 1000)]
    public void ExtremeAspect_FallsBackToTheCentreCropAtTheNearestRatio(int width, int height)
    {
        var crop = new RandomResizedCrop(224);
        // No window of ≥ 90% of the area with ratio in [3/4, 4/3] fits, so every key gives torchvision's fallback.
        var (w, h) = width > height
            ? ((int)Math.Round(height * 4.0 / 3.0, MidpointRounding.ToEven), height)
            : (width, (int)Math.Round(width / 0.75, MidpointRounding.ToEven));
        var expected = new Rectangle((width - w) / 2, (height - h) / 2, w, h);
        Assert.All(Enumerable.Range(0, 50), i => Assert.Equal(expected, crop.GetParams(width, height, new SampleKey(3, 0, i))));
    }

    [Fact]
    public void SameKey_SameWindow_OtherEpochOrSeed_OtherWindows()
    {
        // torchvision's default scale range, where almost every first attempt fits, so windows rarely coincide.
        var crop = new RandomResizedCrop(224, scale: (0.08, 1.0));
        var a = Windows(crop, 500, 375, seed: 1, epoch: 0);
        Assert.Equal(a, Windows(crop, 500, 375, seed: 1, epoch: 0));
        Assert.True(a.Zip(Windows(crop, 500, 375, seed: 1, epoch: 1)).Count(p => p.First != p.Second) > Draws * 9 / 10);
        Assert.True(a.Zip(Windows(crop, 500, 375, seed: 2, epoch: 0)).Count(p => p.First != p.Second) > Draws * 9 / 10);
    }

    [Fact]
    public void Apply_CropsThenResizesBicubicToTheResolution()
    {
        using var image = TestImages.Noise(120, 90, seed: 4);
        var key = new SampleKey(8, 2, 17);
        var crop = new RandomResizedCrop(32);
        var window = crop.GetParams(120, 90, key);
        using var expected = image.Clone(x => x.Crop(window).Resize(new ResizeOptions
        {
            Size = new Size(32, 32),
            Mode = ResizeMode.Stretch,
            Sampler = KnownResamplers.Bicubic,
        }));
        crop.Apply(image, key);
        Assert.Equal(new Size(32, 32), image.Size());
        for (var y = 0; y < 32; y++)
        for (var x = 0; x < 32; x++)
            Assert.Equal(expected[x, y], image[x, y]);
    }

    [Fact]
    public void EvalTransform_IsOpenAIsResizeAndCentreCrop()
    {
        using var image = TestImages.Noise(90, 60, seed: 5);
        using var expected = image.Clone();
        ImageTransforms.ResizeShortestSide(expected, 24);
        ImageTransforms.CenterCrop(expected, 24);
        new ResizeCenterCrop(24).Apply(image, default);
        Assert.Equal(new Size(24, 24), image.Size());
        Assert.Equal(expected[7, 11], image[7, 11]);
        Assert.Equal(expected[23, 0], image[23, 0]);
    }

    [Fact]
    public void InvalidRanges_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomResizedCrop(224, scale: (0.0, 1.0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomResizedCrop(224, scale: (0.9, 1.1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomResizedCrop(224, ratio: (2.0, 1.0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomResizedCrop(0));
    }

    [Fact]
    public void SolidImage_StaysSolid()
    {
        using var image = TestImages.Fill(64, 48, (_, _) => new Rgb24(10, 200, 30));
        new RandomResizedCrop(20).Apply(image, new SampleKey(1, 0, 0));
        Assert.All(Enumerable.Range(0, 400), i => Assert.Equal(new Rgb24(10, 200, 30), image[i % 20, i / 20]));
    }
}
