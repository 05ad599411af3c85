using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.PixelFormats;

namespace ClipEngine.Clip;

/// <summary>
/// torchvision's ToTensor then Normalize: each 8-bit sample b becomes (b / 255 − mean) / std, laid out
/// channel-planar (CHW). The arithmetic is float32 in torchvision's order, so values match it bit for bit;
/// it is tabulated per channel since there are only 256 inputs.
/// </summary>
public sealed class ChannelNormalizer
{
    private readonly float[][] _table;

    public ChannelNormalizer(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        if (mean.Count != 3) throw new ArgumentException($"mean needs 3 values (R, G, B), got {mean.Count}", nameof(mean));
        if (std.Count != 3) throw new ArgumentException($"std needs 3 values (R, G, B), got {std.Count}", nameof(std));
        for (var c = 0; c < 3; c++)
        {
            if (!float.IsFinite(mean[c])) throw new ArgumentException($"mean[{c}] = {mean[c]} is not finite", nameof(mean));
            if (!(std[c] > 0) || !float.IsFinite(std[c])) throw new ArgumentException($"std[{c}] = {std[c]} must be positive and finite", nameof(std));
        }
        Mean = [.. mean];
        Std = [.. std];
        _table = new float[3][];
        for (var c = 0; c < 3; c++)
        {
            _table[c] = new float[256];
            for (var b = 0; b < 256; b++) _table[c][b] = (b / 255f - Mean[c]) / Std[c];
        }
    }

    public IReadOnlyList<float> Mean { get; }

    public IReadOnlyList<float> Std { get; }

    /// <summary>Writes the 3 × height × width normalised planes into <paramref name="chw"/>.</summary>
    public void WriteChw(Image<Rgb24> image, Span<float> chw)
    {
        var plane = image.Width * image.Height;
        if (chw.Length != 3 * plane)
            throw new ArgumentException($"a {image.Width}×{image.Height} image needs {3 * plane} floats, the destination holds {chw.Length}", nameof(chw));
        var (r, g, b) = (_table[0], _table[1], _table[2]);
        for (var y = 0; y < image.Height; y++)
        {
            var row = image.DangerousGetPixelRowMemory(y).Span;
            var offset = y * image.Width;
            for (var x = 0; x < row.Length; x++)
            {
                chw[offset + x] = r[row[x].R];
                chw[plane + offset + x] = g[row[x].G];
                chw[2 * plane + offset + x] = b[row[x].B];
            }
        }
    }
}
