namespace ClipEngine.Clip.Data;

/// <summary>A tar archive that ends early or has a corrupt header; the message names the archive and the byte offset.</summary>
public sealed class TarFormatException(string archiveName, long offset, string reason)
    : FormatException($"{archiveName}: {reason} (at byte offset {offset})")
{
    public string ArchiveName { get; } = archiveName;

    public long Offset { get; } = offset;

    public string Reason { get; } = reason;
}
