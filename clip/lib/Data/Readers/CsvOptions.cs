namespace ClipEngine.Clip.Data;

/// <summary>
/// How to read a captions table, named after open_clip's flags: <c>--csv-img-key</c>, <c>--csv-caption-key</c>,
/// <c>--csv-separator</c> (tab by default, as there).
/// </summary>
public sealed record CsvOptions
{
    private readonly char _separator = '\t';
    private readonly int _maxRecordChars = 1 << 20;

    /// <summary>The header's name for the image path column.</summary>
    public string ImageKey { get; init; } = "filepath";

    /// <summary>The header's name for the caption column.</summary>
    public string CaptionKey { get; init; } = "title";

    /// <summary>Field separator: '\t' for TSV, ',' for CSV. Quoting (RFC 4180) applies to both.</summary>
    public char Separator
    {
        get => _separator;
        init => _separator = value is '"' or '\r' or '\n'
            ? throw new ArgumentException($"'{value}' cannot separate fields: it is the quote or a line break", nameof(Separator))
            : value;
    }

    /// <summary>The longest record (all its physical lines, if quoted fields span several) a file may hold.</summary>
    public int MaxRecordChars
    {
        get => _maxRecordChars;
        init => _maxRecordChars = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxRecordChars), value, "must be positive");
    }

    /// <summary>Visit the rows in a new random order each epoch (fixed by seed and epoch); false reads them in file order.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>The separator named by a command-line value: a single character, or the escapes \t and \\t.</summary>
    public static char ParseSeparator(string value) => value switch
    {
        "\\t" or "\t" or "tab" => '\t',
        _ when value.Length == 1 => value[0],
        _ => throw new ArgumentException($"the separator must be one character (or \\t), got \"{value}\"", nameof(value)),
    };
}
