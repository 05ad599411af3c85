namespace ClipEngine.Clip;

/// <summary>
/// Bounds on what an untrusted image file may cost before it is decoded. The file size is checked before
/// reading and the pixel count from the header (<c>Image.Identify</c>) before any pixel buffer is allocated,
/// so a decompression bomb is rejected at the price of reading its header. Only the first frame of
/// multi-frame GIF and TIFF files is decoded.
/// </summary>
public sealed record ImageDecodeLimits
{
    /// <summary>64 MiB per file and 64 megapixels per image (PIL warns of a decompression bomb at 89 MP and refuses at twice that).</summary>
    public static readonly ImageDecodeLimits Default = new();

    private readonly long _maxFileBytes = 64L << 20;
    private readonly long _maxPixels = 64_000_000;

    public long MaxFileBytes
    {
        get => _maxFileBytes;
        init => _maxFileBytes = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxFileBytes), value, "the file size limit must be positive");
    }

    /// <summary>Width × height of the decoded image.</summary>
    public long MaxPixels
    {
        get => _maxPixels;
        init => _maxPixels = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxPixels), value, "the pixel limit must be positive");
    }
}
