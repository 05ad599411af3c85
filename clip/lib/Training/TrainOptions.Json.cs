using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClipEngine.Clip.Training;

// Options as JSON: snake_case names, unknown names rejected (a typo must not silently fall back to a default).
public sealed partial record TrainOptions
{
    /// <summary>Largest options file read; real ones are well under a kilobyte.</summary>
    public const int MaxJsonBytes = 1 << 20;

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 16,
        WriteIndented = true,
    };

    /// <summary>Parses options JSON (any subset of the fields; the rest keep their defaults). Errors name the field; the result is not yet validated.</summary>
    public static TrainOptions FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (Encoding.UTF8.GetByteCount(json) > MaxJsonBytes)
            throw new FormatException($"training options JSON is larger than {MaxJsonBytes} bytes");
        try
        {
            return JsonSerializer.Deserialize<TrainOptions>(json, JsonOptions) ?? throw new FormatException("training options JSON is null");
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : e.Path.TrimStart('$', '.') + ": ";
            throw new FormatException($"{field}invalid training options JSON: {e.Message}", e);
        }
    }

    /// <summary><see cref="FromJson"/> of a file; errors name the file.</summary>
    public static TrainOptions Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"training options file not found: {path}", path);
        if (info.Length > MaxJsonBytes) throw new FormatException($"{path}: training options are larger than {MaxJsonBytes} bytes");
        try
        {
            return FromJson(File.ReadAllText(path));
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Writes <see cref="ToJson"/> atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());
}
