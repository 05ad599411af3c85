using System.Text.Json;

namespace ClipEngine.Clip;

/// <summary>
/// Where a checkpoint's model config comes from: the safetensors <c>__metadata__["config"]</c>, else a JSON file beside
/// the checkpoint — <c>&lt;stem&gt;.json</c>, then open_clip's <c>open_clip_config.json</c> (its <c>model_cfg</c>), then
/// <c>config.json</c>. A Hugging Face config is translated to open_clip's shape; any other is returned as written.
/// </summary>
internal static class CheckpointConfig
{
    public const string MetadataKey = "config";

    public static string? Find(string checkpointPath, string? metadataConfig, CheckpointLimits limits)
    {
        if (metadataConfig is not null) return Normalize(metadataConfig, checkpointPath, $"__metadata__[\"{MetadataKey}\"]");
        var directory = Path.GetDirectoryName(Path.GetFullPath(checkpointPath))!;
        string[] candidates = [Path.ChangeExtension(Path.GetFullPath(checkpointPath), ".json"), Path.Combine(directory, "open_clip_config.json"), Path.Combine(directory, "config.json")];
        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate)) return ReadFile(candidate, limits);
        }
        return null;
    }

    /// <summary>A config file in any of the shapes <see cref="Find"/> accepts, as open_clip or OpenAI-style JSON.</summary>
    public static string ReadFile(string path, CheckpointLimits limits)
    {
        var length = new FileInfo(path).Length;
        if (length > limits.MaxPickleBytes)
            throw new CheckpointFormatException(path, $"config is {length} bytes, more than the limit of {limits.MaxPickleBytes}");
        return Normalize(File.ReadAllText(path), path, "config");
    }

    private static string Normalize(string json, string file, string what)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException("not a JSON object");
            if (root.TryGetProperty("model_cfg", out var modelConfig))
                return modelConfig.ValueKind == JsonValueKind.Object ? modelConfig.GetRawText() : throw new InvalidDataException("model_cfg is not a JSON object");
            return HuggingFaceConfig.Is(root) ? HuggingFaceConfig.ToOpenClipJson(root) : json;
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(file, $"{what} is not valid JSON: {e.Message}", innerException: e);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException(file, $"{what}: {e.Message}", innerException: e);
        }
    }
}
