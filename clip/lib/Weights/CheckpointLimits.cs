using ClipEngine.IO;

namespace ClipEngine.Clip;

/// <summary>Bounds on what <see cref="ClipCheckpoint.Read"/> accepts, so a hostile file cannot make it allocate, loop or recurse without limit.</summary>
public sealed record CheckpointLimits
{
    public static CheckpointLimits Default { get; } = new();

    /// <summary>Limits for the safetensors reader.</summary>
    public SafeTensorsLimits SafeTensors { get; init => field = value ?? throw new ArgumentNullException(nameof(SafeTensors)); } = SafeTensorsLimits.Default;

    /// <summary>Most entries a zip archive may list.</summary>
    public int MaxZipEntries { get; init => field = Positive(value); } = 100_000;

    /// <summary>Largest tensor-storage entry, in bytes (also capped by the largest .NET array).</summary>
    public long MaxStorageBytes { get; init => field = Positive(value); } = Array.MaxLength;

    /// <summary>Largest <c>data.pkl</c>, TorchScript <c>code/*.py</c> file or config JSON, in bytes.</summary>
    public int MaxPickleBytes { get; init => field = Positive(value); } = 64 * 1024 * 1024;

    /// <summary>Most opcodes one pickle may execute.</summary>
    public int MaxPickleOps { get; init => field = Positive(value); } = 20_000_000;

    /// <summary>Most memo entries one pickle may define.</summary>
    public int MaxMemoEntries { get; init => field = Positive(value); } = 1_000_000;

    /// <summary>Deepest nesting: open MARKs while unpickling, and module/dict levels while flattening.</summary>
    public int MaxDepth { get; init => field = Positive(value); } = 256;

    /// <summary>Longest string or byte string one pickle opcode may carry, in bytes.</summary>
    public int MaxStringBytes { get; init => field = Positive(value); } = 1024 * 1024;

    /// <summary>Most dimensions a pickled tensor may have.</summary>
    public int MaxRank { get; init => field = Positive(value); } = 16;

    private static T Positive<T>(T value) where T : System.Numerics.INumber<T> =>
        value > T.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "must be positive");
}
