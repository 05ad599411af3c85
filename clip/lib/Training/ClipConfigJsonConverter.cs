using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClipEngine.Clip.Training;

/// <summary>A <see cref="ClipConfig"/> inside other JSON, in open_clip's config shape (<see cref="ClipConfig.FromJson"/> / <see cref="ClipConfig.ToJson"/>).</summary>
internal sealed class ClipConfigJsonConverter : JsonConverter<ClipConfig>
{
    public override ClipConfig Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        try
        {
            return ClipConfig.FromJson(document.RootElement.GetRawText());
        }
        catch (FormatException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    public override void Write(Utf8JsonWriter writer, ClipConfig value, JsonSerializerOptions options) => writer.WriteRawValue(value.ToJson());
}
