using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ClipEngine.Clip.Tests.Preprocessing;

public class ImageTransformsTests
{
    [Theory]
    [InlineData(640, 480, 224, 298, 224)] // 224·640/480 = 298.67
    [InlineData(480, 640, 224, 224, 298)]
    [InlineData(333, 500, 224, 224, 336)] // 224·500/333 = 336.34
    [InlineData(225, 224, 224, 225, 224)] // already the right short side
    [InlineData(500, 500, 224, 224, 224)]
    [InlineData(1000, 3, 224, 74666, 224)] // 224·1000/3 = 74666.67
    [InlineData(7, 9, 336, 336, 432)] // upscale: 336·9/7 = 432 exactly
    public void ShortestSideSize_MatchesTorchvisionRounding(int width, int height, int shortSide, int expectedWidth, int expectedHeight) =>
        Assert.Equal(new Size(expectedWidth, expectedHeight), ImageTransforms.ShortestSideSize(width, height, shortSide));

    [Theory]
    [InlineData(298, 224, 37, 0)] // (298 − 224) / 2 = 37
    [InlineData(225, 224, 0, 0)] // 0.5 rounds to even 0
    [InlineData(227, 224, 2, 0)] // 1.5 → 2
    [InlineData(229, 224, 2, 0)] // 2.5 → 2, not 3
    [InlineData(224, 231, 0, 4)] // 3.5 → 4
    public void CenterCropRectangle_RoundsHalfToEvenLikePython(int width, int height, int left, int top) =>
        Assert.Equal(new Rectangle(left, top, 224, 224), ImageTransforms.CenterCropRectangle(width, height, 224, 224));

    [Fact]
    public void CenterCropRectangle_LargerThanImage_Throws() =>
        Assert.Throws<ArgumentException>(() => ImageTransforms.CenterCropRectangle(100, 300, 224, 224));

    public static TheoryData<int, int, int, int> ResizeCases => new()
    {
        { 97, 61, 40, 25 }, // downscale by ~2.4, antialiased
        { 640, 480, 298, 224 }, // the usual CLIP downscale
        { 31, 23, 70, 52 }, // upscale
        { 50, 50, 50, 21 }, // one axis only
    };

    [Theory]
    [MemberData(nameof(ResizeCases))]
    public void Resize_IsExactBicubicRoundedOnce(int width, int height, int newWidth, int newHeight)
    {
        using var image = TestImages.Noise(width, height, seed: width);
        var (worst, _) = Compare(image, ReferenceResize.Exact, newWidth, newHeight);
        // Rounding the exact value to 8 bits costs 0.5 levels; float32 weights and sums a little more.
        Assert.InRange(worst, 0, 0.51);
    }

    [Theory]
    [MemberData(nameof(ResizeCases))]
    public void Resize_IsWithinOneLevelOfPil_WhereNothingClips(int width, int height, int newWidth, int newHeight)
    {
        // Smooth content in 40..215: no bicubic overshoot reaches 0 or 255, so PIL's clipping between passes never acts.
        using var image = TestImages.Fill(width, height, (x, y) =>
        {
            var v = (byte)(127.5 + 87.5 * Math.Sin(x * 0.05) * Math.Cos(y * 0.07));
            return new Rgb24(v, (byte)(40 + 175 * x / width), (byte)(40 + 175 * y / height));
        });
        var (worst, _) = Compare(image, ReferenceResize.Pil, newWidth, newHeight);
        Assert.InRange(worst, 0, 1);
    }

    [Theory]
    [MemberData(nameof(ResizeCases))]
    public void Resize_RarelyDiffersFromPilByMoreThanOneLevel(int width, int height, int newWidth, int newHeight)
    {
        // Noise is the worst case: overshoots past 0 or 255 that PIL clips after its first pass and ImageSharp keeps.
        using var image = TestImages.Noise(width, height, seed: width);
        var (_, overOneLevel) = Compare(image, ReferenceResize.Pil, newWidth, newHeight);
        Assert.InRange(overOneLevel, 0, 0.01);
    }

    /// <summary>The largest difference in 8-bit levels, and the fraction of samples more than one level apart.</summary>
    private static (double Worst, double OverOneLevel) Compare(Image<Rgb24> image, Func<Image<Rgb24>, int, int, double[,,]> reference, int newWidth, int newHeight)
    {
        var expected = reference(image, newWidth, newHeight);
        ImageTransforms.Resize(image, new Size(newWidth, newHeight));
        Assert.Equal(new Size(newWidth, newHeight), image.Size());
        var (worst, over) = (0.0, 0);
        for (var y = 0; y < newHeight; y++)
        for (var x = 0; x < newWidth; x++)
        {
            var p = image[x, y];
            int[] actual = [p.R, p.G, p.B];
            for (var c = 0; c < 3; c++)
            {
                var difference = Math.Abs(actual[c] - Math.Clamp(expected[y, x, c], 0, 255));
                worst = Math.Max(worst, difference);
                if (difference > 1) over++;
            }
        }
        return (worst, over / (3.0 * newWidth * newHeight));
    }

    [Fact]
    public void Resize_OnePixelCheckerboardDownscaled_AveragesToGrey()
    {
        // Antialiasing: 8 source pixels per output pixel are averaged; point-sampled bicubic would alias to black or white.
        using var image = TestImages.Fill(64, 64, (x, y) => (x + y) % 2 == 0 ? new Rgb24(0, 0, 0) : new Rgb24(255, 255, 255));
        ImageTransforms.Resize(image, new Size(8, 8));
        for (var y = 0; y < 8; y++)
        for (var x = 0; x < 8; x++)
            Assert.InRange(image[x, y].R, 126, 129);
    }

    [Fact]
    public void Resize_ToSameSize_LeavesPixelsUntouched()
    {
        using var image = TestImages.Noise(20, 10, seed: 3);
        using var copy = image.Clone();
        ImageTransforms.Resize(image, new Size(20, 10));
        for (var y = 0; y < 10; y++)
        for (var x = 0; x < 20; x++)
            Assert.Equal(copy[x, y], image[x, y]);
    }
}
