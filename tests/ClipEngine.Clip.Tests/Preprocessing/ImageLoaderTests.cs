using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace ClipEngine.Clip.Tests.Preprocessing;

public class ImageLoaderTests
{
    private static ImageLoadException Rejects(byte[] bytes, ImageDecodeLimits? limits = null, string name = "bad.img") =>
        Assert.Throws<ImageLoadException>(() => ImageLoader.Decode(bytes, name, limits));

    private static byte[] LargeNoisePng() => TestImages.Png(TestImages.Noise(300, 200, seed: 1));

    private static byte[] LargeNoiseJpeg() => TestImages.Jpeg(TestImages.Noise(300, 200, seed: 2));

    [Fact]
    public void ValidPngAndJpeg_Decode()
    {
        using var png = ImageLoader.Decode(LargeNoisePng(), "a.png");
        using var jpeg = ImageLoader.Decode(LargeNoiseJpeg(), "a.jpg");
        Assert.Equal(new Size(300, 200), png.Size());
        Assert.Equal(new Size(300, 200), jpeg.Size());
    }

    [Fact]
    public void EmptyFile_IsRejected()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("empty.png", []);
        var e = Assert.Throws<ImageLoadException>(() => ImageLoader.Load(path));
        Assert.Equal(path, e.FileName);
        Assert.Contains("empty", e.Reason);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void MissingFile_IsRejected()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "nothing.jpg");
        Assert.Contains("not found", Assert.Throws<ImageLoadException>(() => ImageLoader.Load(path)).Reason);
    }

    [Fact]
    public void RandomBytes_AreNotAnImage()
    {
        var junk = new byte[1000];
        new Random(5).NextBytes(junk);
        Assert.Contains("not an image", Rejects(junk).Reason);
    }

    [Fact]
    public void CorruptPngData_IsRejected()
    {
        var png = LargeNoisePng();
        // Scramble the start of the first IDAT payload, keeping every chunk whole.
        var idat = png.AsSpan().IndexOf("IDAT"u8) + 4;
        for (var i = idat; i < idat + 40; i++) png[i] ^= 0x5A;
        Assert.Contains("corrupt", Rejects(png).Reason);
    }

    [Theory]
    [InlineData("PNG", 0.9)]
    [InlineData("PNG", 0.5)]
    [InlineData("PNG", 0.02)]
    [InlineData("JPEG", 0.9)]
    [InlineData("JPEG", 0.5)]
    [InlineData("JPEG", 0.01)]
    public void TruncatedFile_IsRejected(string format, double keep)
    {
        var file = format == "PNG" ? LargeNoisePng() : LargeNoiseJpeg();
        Assert.Contains($"truncated {format}", Rejects(file[..(int)(file.Length * keep)]).Reason);
    }

    [Fact]
    public void JpegMissingOnlyItsEndMarker_IsRejected()
    {
        var jpeg = LargeNoiseJpeg();
        Assert.Contains("truncated JPEG", Rejects(jpeg[..^2]).Reason);
    }

    [Fact]
    public void JpegWithTrailingBytes_IsAccepted()
    {
        byte[] jpeg = [.. LargeNoiseJpeg(), .. "camera trailer"u8.ToArray()];
        using var image = ImageLoader.Decode(jpeg, "trailer.jpg");
        Assert.Equal(300, image.Width);
    }

    [Fact]
    public void HugeDimensionHeader_IsRejectedBeforeDecoding()
    {
        var bomb = TestImages.PngWithHeader(100_000, 100_000);
        Assert.True(bomb.Length < 100);
        var e = Rejects(bomb, name: "bomb.png");
        Assert.Contains("100000×100000", e.Reason);
        Assert.Contains("over the limit", e.Reason);
        Assert.Equal("bomb.png", e.FileName);
    }

    [Fact]
    public void PixelLimit_IsConfigurable()
    {
        var png = TestImages.Png(TestImages.Noise(20, 20, seed: 4));
        Assert.Contains("400 pixels", Rejects(png, new ImageDecodeLimits { MaxPixels = 399 }).Reason);
        using var image = ImageLoader.Decode(png, "ok.png", new ImageDecodeLimits { MaxPixels = 400 });
        Assert.Equal(20, image.Width);
    }

    [Fact]
    public void OversizeFile_IsRejectedBeforeReading()
    {
        using var dir = new TempDirectory();
        var png = LargeNoisePng();
        var path = dir.Write("big.png", png);
        var limits = new ImageDecodeLimits { MaxFileBytes = png.Length - 1 };
        Assert.Contains("over the limit", Assert.Throws<ImageLoadException>(() => ImageLoader.Load(path, limits)).Reason);
        using var unseekable = new ForwardOnlyStream(png);
        Assert.Contains("more than", Assert.Throws<ImageLoadException>(() => ImageLoader.Load(unseekable, "pipe", limits)).Reason);
    }

    [Fact]
    public void UnseekableStream_Decodes()
    {
        using var stream = new ForwardOnlyStream(LargeNoisePng());
        using var image = ImageLoader.Load(stream, "pipe");
        Assert.Equal(200, image.Height);
    }

    [Fact]
    public void ExifOrientation_IsApplied()
    {
        // Stored landscape, left half red, right half blue; orientation 6 means "rotate 90° clockwise to display",
        // which puts the stored left side on top.
        using var stored = TestImages.Fill(64, 32, (x, _) => x < 32 ? new Rgb24(255, 0, 0) : new Rgb24(0, 0, 255));
        stored.Metadata.ExifProfile = new ExifProfile();
        stored.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        var jpeg = TestImages.Jpeg(stored);

        using var upright = ImageLoader.Decode(jpeg, "rotated.jpg");
        Assert.Equal(new Size(32, 64), upright.Size());
        AssertNear(new Rgba32(255, 0, 0), upright[16, 8]);
        AssertNear(new Rgba32(0, 0, 255), upright[16, 56]);

        using var raw = ImageLoader.Decode(jpeg, "rotated.jpg", applyExifOrientation: false);
        Assert.Equal(new Size(64, 32), raw.Size());
    }

    [Fact]
    public void MultiFrameGif_KeepsTheFirstFrame()
    {
        using var gif = TestImages.Fill(8, 8, (_, _) => new Rgba32(255, 0, 0));
        using var second = TestImages.Fill(8, 8, (_, _) => new Rgba32(0, 255, 0));
        gif.Frames.AddFrame(second.Frames.RootFrame);
        using var stream = new MemoryStream();
        gif.SaveAsGif(stream);
        using var image = ImageLoader.Decode(stream.ToArray(), "anim.gif");
        Assert.Equal(1, image.Frames.Count);
        AssertNear(new Rgba32(255, 0, 0), image[4, 4]);
    }

    private static void AssertNear(Rgba32 expected, Rgba32 actual)
    {
        // JPEG: a few levels of quantisation error.
        Assert.InRange(actual.R, Math.Max(0, expected.R - 12), Math.Min(255, expected.R + 12));
        Assert.InRange(actual.G, Math.Max(0, expected.G - 12), Math.Min(255, expected.G + 12));
        Assert.InRange(actual.B, Math.Max(0, expected.B - 12), Math.Min(255, expected.B + 12));
    }
}
