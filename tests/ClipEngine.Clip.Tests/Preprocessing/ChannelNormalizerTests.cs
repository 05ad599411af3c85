using SixLabors.ImageSharp.PixelFormats;

namespace ClipEngine.Clip.Tests.Preprocessing;

public class ChannelNormalizerTests
{
    private static readonly ChannelNormalizer Clip = new(ImagePreprocessor.OpenAIDatasetMean, ImagePreprocessor.OpenAIDatasetStd);

    [Fact]
    public void EveryByteValue_MatchesFloat64Formula()
    {
        using var image = TestImages.Fill(256, 1, (x, _) => new Rgb24((byte)x, (byte)(255 - x), (byte)(x * 7)));
        var chw = new float[3 * 256];
        Clip.WriteChw(image, chw);
        for (var x = 0; x < 256; x++)
        {
            Assert.Equal(TestImages.Normalized(x, 0), chw[x], 1e-6);
            Assert.Equal(TestImages.Normalized(255 - x, 1), chw[256 + x], 1e-6);
            Assert.Equal(TestImages.Normalized((byte)(x * 7), 2), chw[512 + x], 1e-6);
        }
    }

    [Fact]
    public void Layout_IsChannelPlanarRowMajor()
    {
        // Pixel (x, y) holds R = 10y + x, G = 100 + R, B = 200 + R: each position is identifiable.
        using var image = TestImages.Fill(3, 2, (x, y) => new Rgb24((byte)(10 * y + x), (byte)(100 + 10 * y + x), (byte)(200 + 10 * y + x)));
        var identity = new ChannelNormalizer([0f, 0f, 0f], [1 / 255f, 1 / 255f, 1 / 255f]);
        var chw = new float[18];
        identity.WriteChw(image, chw);
        float[] expected = [0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112, 200, 201, 202, 210, 211, 212];
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], chw[i], 1e-3);
    }

    [Fact]
    public void BadStatistics_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => new ChannelNormalizer([0.5f, 0.5f], [1f, 1f, 1f]));
        Assert.Throws<ArgumentException>(() => new ChannelNormalizer([0.5f, 0.5f, 0.5f], [1f, 0f, 1f]));
        Assert.Throws<ArgumentException>(() => new ChannelNormalizer([0.5f, float.NaN, 0.5f], [1f, 1f, 1f]));
    }

    [Fact]
    public void WrongDestinationLength_IsRejected()
    {
        using var image = TestImages.Fill(4, 4, (_, _) => new Rgb24(1, 2, 3));
        Assert.Throws<ArgumentException>(() => Clip.WriteChw(image, new float[47]));
    }
}
