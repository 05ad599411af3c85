namespace ClipEngine.Clip;

/// <summary>A checkpoint file is malformed, unsafe or over a limit. The message names the file, and the archive entry and byte offset where there is one.</summary>
public sealed class CheckpointFormatException : IOException
{
    public CheckpointFormatException(string filePath, string detail, string? entry = null, long? offset = null, Exception? innerException = null)
        : base(Compose(filePath, detail, entry, offset), innerException)
    {
        FilePath = filePath;
        Entry = entry;
        Offset = offset;
    }

    public string FilePath { get; }

    /// <summary>The zip entry at fault, when the file is an archive.</summary>
    public string? Entry { get; }

    /// <summary>Byte offset inside <see cref="Entry"/> (or the file) where the fault was found.</summary>
    public long? Offset { get; }

    private static string Compose(string filePath, string detail, string? entry, long? offset)
    {
        var where = entry is null ? "" : $" entry '{entry}'";
        if (offset is long at) where += $" at offset {at}";
        return $"{filePath}:{where}{(where.Length > 0 ? ":" : "")} {detail}";
    }
}
