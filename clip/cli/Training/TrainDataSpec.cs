using System.Text.Json;
using System.Text.Json.Serialization;
using ClipEngine.Clip;

namespace ClipEngine.Cli.Training;

/// <summary>
/// What a run trains and evaluates on, as the <c>train</c> flags gave it: saved as data.json in the run directory
/// so that <c>--resume</c> rebuilds the same data source (TrainOptions holds the rest). Paths are stored absolute.
/// </summary>
internal sealed record TrainDataSpec
{
    public const string FileName = "data.json";
    public const string Builtin = "builtin";
    public const string Csv = "csv";
    public const string WebDataset = "webdataset";

    private const int MaxBytes = 1 << 20;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    /// <summary>"builtin", "csv" or "webdataset".</summary>
    public string Kind { get; init; } = Builtin;

    /// <summary>The CSV/TSV file, or the WebDataset shard pattern(s).</summary>
    public string? TrainData { get; init; }

    public string CsvImgKey { get; init; } = "filepath";

    public string CsvCaptionKey { get; init; } = "title";

    public string CsvSeparator { get; init; } = "\\t";

    public bool DatasetResampled { get; init; }

    /// <summary>A WebDataset epoch's samples (open_clip's --train-num-samples).</summary>
    public long? TrainNumSamples { get; init; }

    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>Zero-shot evaluation on an image folder (one sub-folder per class) during training.</summary>
    public string? ImageFolder { get; init; }

    public string? ClassNames { get; init; }

    public string? Templates { get; init; }

    public bool IsBuiltin => Kind == Builtin;

    public void Save(string runDir) => AtomicFile.WriteAllText(Path.Combine(runDir, FileName), JsonSerializer.Serialize(this, Json));

    public static TrainDataSpec Load(string runDir)
    {
        var path = Path.Combine(runDir, FileName);
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"{path} is missing: {runDir} was not started by 'clip train', so its data source is unknown", path);
        if (info.Length > MaxBytes) throw new InvalidDataException($"{path} is larger than {MaxBytes} bytes");
        try
        {
            var spec = JsonSerializer.Deserialize<TrainDataSpec>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} holds null");
            return spec.Kind is Builtin or Csv or WebDataset ? spec : throw new InvalidDataException($"{path}: kind \"{spec.Kind}\" is not builtin, csv or webdataset");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }
}
