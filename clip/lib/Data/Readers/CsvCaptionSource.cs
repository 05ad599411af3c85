using System.Text;

namespace ClipEngine.Clip.Data;

/// <summary>
/// A table of image paths and captions, as open_clip's <c>CsvDataset</c> reads it: a header row names the columns,
/// <see cref="CsvOptions.ImageKey"/> and <see cref="CsvOptions.CaptionKey"/> pick two of them. The whole table is
/// read up front (paths and captions only); relative paths are resolved against the file's directory. Rows with an
/// empty path or caption are left out and counted; a malformed file is a <see cref="CsvFormatException"/> naming
/// the line.
/// </summary>
public sealed class CsvCaptionSource : ICaptionedImageSource
{
    private readonly string[] _paths;
    private readonly string[] _captions;

    public CsvCaptionSource(string path, CsvOptions? options = null)
    {
        Options = options ?? new CsvOptions();
        Path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(Path)) throw new FileNotFoundException($"{path}: the captions file does not exist", path);
        using var text = new StreamReader(Path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        (_paths, _captions) = ReadRows(new CsvRecordReader(text, Path, Options.Separator, Options.MaxRecordChars));
    }

    public string Path { get; }

    public CsvOptions Options { get; }

    public DataCounters Counters { get; } = new();

    /// <summary>Rows with both a path and a caption.</summary>
    public int Count => _paths.Length;

    /// <summary>Absolute image paths, in file order.</summary>
    public IReadOnlyList<string> ImagePaths => _paths;

    public IReadOnlyList<string> Captions => _captions;

    /// <summary>Rows in file order, or in the (seed, epoch) permutation when <see cref="CsvOptions.Shuffle"/>; a skip is a jump.</summary>
    public IEnumerable<CaptionedImage> ReadEpoch(ulong seed, int epoch, long skip, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        var order = Options.Shuffle ? DataRandom.ForEpoch(seed, DataRandomPurpose.RowOrder, epoch).Permutation(Count) : null;
        for (var i = (int)Math.Min(skip, Count); i < Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var row = order?[i] ?? i;
            Counters.AddRead();
            yield return CaptionedImage.FromFile(i, _paths[row], _captions[row]);
        }
    }

    private (string[] Paths, string[] Captions) ReadRows(CsvRecordReader reader)
    {
        var header = reader.Read() ?? throw new CsvFormatException(Path, 1, "the file is empty; it needs a header row naming the columns");
        var imageColumn = Column(header, Options.ImageKey, "--csv-img-key");
        var captionColumn = Column(header, Options.CaptionKey, "--csv-caption-key");
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        var paths = new List<string>();
        var captions = new List<string>();
        while (reader.Read() is { } fields)
        {
            if (fields.Count != header.Count)
                throw new CsvFormatException(Path, reader.RecordLine,
                    $"the row has {fields.Count} fields but the header has {header.Count}{SeparatorHint(fields.Count)}");
            var image = fields[imageColumn].Trim();
            var caption = fields[captionColumn];
            if (image.Length == 0)
            {
                Counters.AddSkipped(SkipReason.MissingImage, $"{Path}, line {reader.RecordLine}: empty '{Options.ImageKey}'");
                continue;
            }
            if (string.IsNullOrWhiteSpace(caption))
            {
                Counters.AddSkipped(SkipReason.MissingCaption, $"{Path}, line {reader.RecordLine}: empty '{Options.CaptionKey}'");
                continue;
            }
            paths.Add(System.IO.Path.IsPathRooted(image) ? image : System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, image)));
            captions.Add(caption);
        }
        return ([.. paths], [.. captions]);
    }

    private int Column(List<string> header, string key, string flag)
    {
        var index = header.IndexOf(key);
        if (index >= 0) return index;
        throw new CsvFormatException(Path, 1,
            $"no column '{key}' ({flag}); the header has {header.Count} column(s): {string.Join(", ", header.Select(h => $"'{h}'"))}{SeparatorHint(header.Count)}");
    }

    private string SeparatorHint(int fieldCount) =>
        fieldCount == 1 ? $" — is the separator right? It is {(Options.Separator == '\t' ? "a tab" : $"'{Options.Separator}'")} (--csv-separator)" : "";
}
