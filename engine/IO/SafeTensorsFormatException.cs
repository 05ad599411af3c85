namespace ClipEngine.IO;

/// <summary>A safetensors file is malformed. The message starts with the file path and names the offending field or tensor.</summary>
public sealed class SafeTensorsFormatException : IOException
{
    public SafeTensorsFormatException(string filePath, string detail, Exception? innerException = null)
        : base($"{filePath}: {detail}", innerException)
    {
        FilePath = filePath;
    }

    public string FilePath { get; }
}
