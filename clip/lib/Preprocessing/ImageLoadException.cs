namespace ClipEngine.Clip;

/// <summary>An image file that could not be read, checked or decoded; the message names the file and the reason.</summary>
public sealed class ImageLoadException : Exception
{
    public ImageLoadException(string fileName, string reason, Exception? inner = null)
        : base($"{fileName}: {reason}", inner)
    {
        FileName = fileName;
        Reason = reason;
    }

    /// <summary>The path, or the name given for a stream.</summary>
    public string FileName { get; }

    public string Reason { get; }
}
