namespace ClipEngine.Clip.Data;

/// <summary>A CSV/TSV file that cannot be read as a table of captions; the message names the file and line.</summary>
public sealed class CsvFormatException(string fileName, long line, string reason)
    : FormatException($"{fileName}, line {line}: {reason}")
{
    public string FileName { get; } = fileName;

    /// <summary>The 1-based physical line where the offending record starts.</summary>
    public long Line { get; } = line;

    public string Reason { get; } = reason;
}
