namespace ClipEngine.Clip.Data;

/// <summary>
/// Where a loader stands, for checkpoints: the seed that fixes every order and augmentation, the epoch, and how many
/// of the epoch's samples (in the source's order, skipped ones included) lie behind the batches delivered so far.
/// A CSV source starts a resumed epoch at that row directly; a WebDataset source re-reads the epoch's shards in the
/// same order and through the same shuffle buffer and discards that many samples without decoding them.
/// </summary>
public sealed record DataPosition(ulong Seed, int Epoch, long SamplesConsumed)
{
    public static DataPosition Start(ulong seed) => new(seed, 0, 0);

    public override string ToString() => $"seed {Seed}, epoch {Epoch}, {SamplesConsumed} samples consumed";
}
