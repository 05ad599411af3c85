using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace ClipEngine.Clip.Tests.Preprocessing;

public class ImagePreprocessorTests
{
    private static float[] Run(ImagePreprocessor preprocessor, Image image)
    {
        using var tensor = preprocessor.Preprocess(image);
        Assert.Equal([3, preprocessor.Resolution, preprocessor.Resolution], tensor.Shape);
        return tensor.ToArray();
    }

    private static float[] RunFile(ImagePreprocessor preprocessor, byte[] bytes, string name)
    {
        using var dir = new TempDirectory();
        using var tensor = preprocessor.Preprocess(dir.Write(name, bytes));
        return tensor.ToArray();
    }

    private static void AssertPixel(float[] chw, int size, int y, int x, int r, int g, int b, double tolerance = 1e-6)
    {
        Assert.Equal(TestImages.Normalized(r, 0), TestImages.At(chw, size, 0, y, x), tolerance);
        Assert.Equal(TestImages.Normalized(g, 1), TestImages.At(chw, size, 1, y, x), tolerance);
        Assert.Equal(TestImages.Normalized(b, 2), TestImages.At(chw, size, 2, y, x), tolerance);
    }

    [Theory]
    [InlineData(300, 200)] // landscape, downscaled
    [InlineData(17, 41)] // portrait, upscaled
    [InlineData(224, 224)] // already R × R
    public void SolidColour_StaysThatColourExactly(int width, int height)
    {
        using var image = TestImages.Fill(width, height, (_, _) => new Rgb24(17, 128, 250));
        var chw = RunFile(new ImagePreprocessor(224), TestImages.Png(image), "solid.png");
        for (var y = 0; y < 224; y += 13)
        for (var x = 0; x < 224; x += 11)
            AssertPixel(chw, 224, y, x, 17, 128, 250);
    }

    [Theory]
    [InlineData("bmp")]
    [InlineData("gif")]
    [InlineData("tga")]
    [InlineData("tiff")]
    [InlineData("webp")]
    public void EveryLosslessFormat_DecodesToTheSameColour(string format)
    {
        using var image = TestImages.Fill(40, 30, (_, _) => new Rgb24(200, 30, 90));
        using var stream = new MemoryStream();
        IImageEncoder encoder = format switch
        {
            "bmp" => new BmpEncoder(),
            "gif" => new GifEncoder(),
            "tga" => new TgaEncoder(),
            "tiff" => new TiffEncoder(),
            _ => new WebpEncoder { FileFormat = WebpFileFormatType.Lossless },
        };
        image.Save(stream, encoder);
        var chw = RunFile(new ImagePreprocessor(16), stream.ToArray(), "solid." + format);
        AssertPixel(chw, 16, 0, 0, 200, 30, 90);
        AssertPixel(chw, 16, 15, 15, 200, 30, 90);
    }

    [Fact]
    public void AlreadyRxR_IsOnlyNormalised()
    {
        using var image = TestImages.Noise(32, 32, seed: 9);
        var chw = Run(new ImagePreprocessor(32), image);
        for (var y = 0; y < 32; y++)
        for (var x = 0; x < 32; x++)
            AssertPixel(chw, 32, y, x, image[x, y].R, image[x, y].G, image[x, y].B);
    }

    [Theory]
    // 13 × 8 at R = 8: no resize; left = round(2.5) = 2, so columns 2..9 survive (rounding half up would keep 3..10).
    [InlineData(13, 8, 6)]
    // 8 × 15 at R = 8: top = round(3.5) = 4, so rows 4..11 survive.
    [InlineData(8, 15, 8)]
    public void Crop_KeepsTheMiddle_RoundingHalfToEven(int width, int height, int split)
    {
        // Red up to the split along the long side, blue after it: the crop shows 4 red then 4 blue.
        var landscape = width > height;
        using var image = TestImages.Fill(width, height, (x, y) => (landscape ? x : y) < split ? new Rgb24(255, 0, 0) : new Rgb24(0, 0, 255));
        var chw = Run(new ImagePreprocessor(8), image);
        for (var y = 0; y < 8; y++)
        for (var x = 0; x < 8; x++)
        {
            if ((landscape ? x : y) < 4) AssertPixel(chw, 8, y, x, 255, 0, 0);
            else AssertPixel(chw, 8, y, x, 0, 0, 255);
        }
    }

    [Fact]
    public void ResizeThenCrop_PutsTheSplitInTheMiddle()
    {
        // 40 × 20 at R = 10: resized to 20 × 10 (each output column spans source 2j − 3.5 … 2j + 4.5), cropped at
        // left 5. Resized columns 0..7 see only red, 12..19 only blue; so crop columns 0..2 are red and 7..9 blue.
        using var image = TestImages.Fill(40, 20, (x, _) => x < 20 ? new Rgb24(255, 0, 0) : new Rgb24(0, 0, 255));
        var chw = Run(new ImagePreprocessor(10), image);
        for (var y = 0; y < 10; y++)
        {
            for (var x = 0; x < 3; x++) AssertPixel(chw, 10, y, x, 255, 0, 0);
            for (var x = 7; x < 10; x++) AssertPixel(chw, 10, y, x, 0, 0, 255);
        }
    }

    [Fact]
    public void Gradient_MatchesReferencePipelineWithinOneLevel()
    {
        // Full pipeline on a diagonal gradient vs the float64 PIL-style resize, crop and normalise.
        using var image = TestImages.Fill(90, 61, (x, y) => new Rgb24((byte)(x * 2), (byte)(y * 4), (byte)(x + y)));
        var size = ImageTransforms.ShortestSideSize(90, 61, 24);
        var resized = ReferenceResize.Exact(image, size.Width, size.Height);
        var crop = ImageTransforms.CenterCropRectangle(size.Width, size.Height, 24, 24);
        var chw = Run(new ImagePreprocessor(24), image);
        for (var y = 0; y < 24; y++)
        for (var x = 0; x < 24; x++)
        for (var c = 0; c < 3; c++)
        {
            var level = Math.Clamp(resized[crop.Y + y, crop.X + x, c], 0, 255);
            var expected = (level / 255 - ImagePreprocessor.OpenAIDatasetMean[c]) / ImagePreprocessor.OpenAIDatasetStd[c];
            var tolerance = 0.51 / 255 / ImagePreprocessor.OpenAIDatasetStd[c];
            Assert.Equal(expected, TestImages.At(chw, 24, c, y, x), tolerance);
        }
    }

    [Fact]
    public void Alpha_CompositedOnWhiteByDefault_OrDropped()
    {
        // Column 0 transparent (stored colour 200, 100, 50), column 1 half transparent (α = 128), column 2 opaque.
        using var image = TestImages.Fill(3, 3, (x, _) => new Rgba32(200, 100, 50, x switch { 0 => 0, 1 => 128, _ => 255 }));
        var png = TestImages.Png(image);
        static int OnWhite(int c, int a) => (int)Math.Round((c * a + 255.0 * (255 - a)) / 255);

        var white = RunFile(new ImagePreprocessor(3), png, "alpha.png");
        AssertPixel(white, 3, 1, 0, 255, 255, 255);
        AssertPixel(white, 3, 1, 1, OnWhite(200, 128), OnWhite(100, 128), OnWhite(50, 128));
        AssertPixel(white, 3, 1, 2, 200, 100, 50);

        var dropped = RunFile(new ImagePreprocessor(3) { Alpha = AlphaHandling.Drop }, png, "alpha.png");
        for (var x = 0; x < 3; x++) AssertPixel(dropped, 3, 1, x, 200, 100, 50);
    }

    [Fact]
    public void ExifRotatedJpeg_IsUpright()
    {
        // Stored 64 × 32, left half red; orientation 6 shows it 32 × 64 with red on top. R = 32 crops rows 16..47.
        using var stored = TestImages.Fill(64, 32, (x, _) => x < 32 ? new Rgb24(255, 0, 0) : new Rgb24(0, 0, 255));
        stored.Metadata.ExifProfile = new ExifProfile();
        stored.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        var chw = RunFile(new ImagePreprocessor(32), TestImages.Jpeg(stored), "rotated.jpg");
        var jpegTolerance = 12 / 255.0 / 0.26;
        AssertPixel(chw, 32, 4, 16, 255, 0, 0, jpegTolerance);
        AssertPixel(chw, 32, 28, 16, 0, 0, 255, jpegTolerance);
    }

    [Fact]
    public void CustomMeanAndStd_AreUsed()
    {
        using var image = TestImages.Fill(4, 4, (_, _) => new Rgb24(51, 102, 204));
        var chw = Run(new ImagePreprocessor(4) { Mean = [0.5f, 0.5f, 0.5f], Std = [0.5f, 0.25f, 2f] }, image);
        Assert.Equal((0.2 - 0.5) / 0.5, chw[0], 1e-6);
        Assert.Equal((0.4 - 0.5) / 0.25, chw[16], 1e-6);
        Assert.Equal((0.8 - 0.5) / 2, chw[32], 1e-6);
    }

    [Fact]
    public void PathStreamAndImageOverloads_Agree()
    {
        using var image = TestImages.Noise(50, 37, seed: 11);
        var png = TestImages.Png(image);
        var preprocessor = new ImagePreprocessor(16);
        var fromFile = RunFile(preprocessor, png, "n.png");
        using var stream = new MemoryStream(png);
        using var fromStream = preprocessor.Preprocess(stream, "n.png");
        using var rgba = image.CloneAs<Rgba32>();
        Assert.Equal(fromFile, fromStream.ToArray());
        Assert.Equal(fromFile, Run(preprocessor, image));
        Assert.Equal(fromFile, Run(preprocessor, rgba));
    }

    [Fact]
    public void PreprocessImage_DoesNotModifyTheCallersImage()
    {
        using var image = TestImages.Noise(50, 37, seed: 12);
        Run(new ImagePreprocessor(16), image);
        Assert.Equal(new Size(50, 37), image.Size());
    }

    [Fact]
    public void InvalidSettings_AreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImagePreprocessor(0));
        Assert.Throws<ArgumentException>(() => new ImagePreprocessor(224) { Std = [1f, -1f, 1f] });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImagePreprocessor(224) { MaxDegreeOfParallelism = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageDecodeLimits { MaxPixels = 0 });
    }
}
