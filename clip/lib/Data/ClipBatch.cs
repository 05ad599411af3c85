namespace ClipEngine.Clip.Data;

/// <summary>
/// One training batch: images [B, 3, R, R] float32 and token ids [B, context] (from the loader's tokenizer), on the
/// CPU, with the samples' captions and names. <see cref="Position"/> is where the loader stands once this batch is
/// consumed — save it with the checkpoint of the step that used the batch. The consumer disposes the batch.
/// </summary>
public sealed class ClipBatch(Tensor images, Tensor texts, IReadOnlyList<string> captions, IReadOnlyList<string> names, IReadOnlyList<long> indices, DataPosition position)
    : IDisposable
{
    public Tensor Images { get; } = images;

    public Tensor Texts { get; } = texts;

    public IReadOnlyList<string> Captions { get; } = captions;

    /// <summary>Each sample's file path or shard/key name.</summary>
    public IReadOnlyList<string> Names { get; } = names;

    /// <summary>Each sample's index in its epoch's order.</summary>
    public IReadOnlyList<long> Indices { get; } = indices;

    public int Count => Captions.Count;

    public int Epoch => Position.Epoch;

    public DataPosition Position { get; } = position;

    public void Dispose()
    {
        Images.Dispose();
        Texts.Dispose();
    }
}
