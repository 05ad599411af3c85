namespace ClipEngine.Clip.Data;

/// <summary>
/// One undecoded sample as a source yields it: an image file's path or its encoded bytes, and the caption.
/// <see cref="Index"/> is its place in the epoch's order; it seeds the sample's augmentation and is what a
/// <see cref="DataPosition"/> counts.
/// </summary>
public sealed record CaptionedImage(long Index, string Name, string Caption, string? ImagePath, byte[]? ImageBytes)
{
    public static CaptionedImage FromFile(long index, string path, string caption) => new(index, path, caption, path, null);

    public static CaptionedImage FromBytes(long index, string name, string caption, byte[] encoded) => new(index, name, caption, null, encoded);
}
