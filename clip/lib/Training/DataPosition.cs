using System.Text.Json;

namespace ClipEngine.Clip.Training;

/// <summary>
/// Where a batch source stands, opaque to the trainer: the source's kind and its own JSON state (epoch, index,
/// shuffle seed, shard, …), enough for <see cref="IBatchSource.Restore"/> to continue on the exact next sample.
/// Checkpoints store it as JSON.
/// </summary>
public sealed record DataPosition(string Source, JsonElement State)
{
    private static readonly JsonSerializerOptions StateOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>A position holding <paramref name="state"/> serialised (snake_case names).</summary>
    public static DataPosition Create<T>(string source, T state) =>
        new(source, JsonSerializer.SerializeToElement(state, StateOptions));

    /// <summary>The state, after checking it was written by a source of kind <paramref name="expectedSource"/>.</summary>
    public T Read<T>(string expectedSource)
    {
        if (Source != expectedSource)
            throw new ArgumentException($"the data position was saved by a \"{Source}\" source and cannot be restored into a \"{expectedSource}\" source");
        try
        {
            return State.Deserialize<T>(StateOptions) ?? throw new JsonException("the state is null");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"the \"{Source}\" data position is malformed: {e.Message}", e);
        }
    }
}
