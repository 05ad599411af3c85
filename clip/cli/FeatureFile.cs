using System.Text;
using System.Text.Json;
using ClipEngine.Clip;
using ClipEngine.IO;

namespace ClipEngine.Cli;

/// <summary>The output of <c>embed</c>: named [n, d] float32 feature matrices as safetensors or JSON (an object of arrays of rows).</summary>
internal static class FeatureFile
{
    public const string SafeTensorsFormat = "safetensors";
    public const string JsonFormat = "json";

    /// <summary>The format asked for, else the output's extension decides (.json is JSON, anything else safetensors).</summary>
    public static string ResolveFormat(string? format, string output) =>
        format ?? (output.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? JsonFormat : SafeTensorsFormat);

    public static void Write(string path, string format, IReadOnlyList<KeyValuePair<string, Tensor>> features, IReadOnlyDictionary<string, string> metadata)
    {
        if (format == JsonFormat)
            AtomicFile.WriteAllText(path, ToJson(features, metadata));
        else
            SafeTensors.Save(path, features, metadata);
    }

    private static string ToJson(IReadOnlyList<KeyValuePair<string, Tensor>> features, IReadOnlyDictionary<string, string> metadata)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions()))
        {
            json.WriteStartObject();
            foreach (var (key, value) in metadata) json.WriteString(key, value);
            foreach (var (name, tensor) in features)
            {
                json.WriteStartArray(name);
                foreach (var row in ClipPipeline.Rows(tensor))
                {
                    json.WriteStartArray();
                    foreach (var v in row) json.WriteNumberValue(v);
                    json.WriteEndArray();
                }
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
