namespace ClipEngine.IO;

/// <summary>Bounds on what <see cref="SafeTensorsFile"/> accepts, so a hostile header cannot make it allocate or loop without limit.</summary>
public sealed record SafeTensorsLimits
{
    public static SafeTensorsLimits Default { get; } = new();

    /// <summary>Largest header accepted, in bytes; the header is copied and parsed into memory, unlike the data section.</summary>
    public int MaxHeaderBytes
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxHeaderBytes), value, "must be positive");
    } = 100 * 1024 * 1024;

    /// <summary>Largest number of dimensions a tensor may have.</summary>
    public int MaxRank
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxRank), value, "must not be negative");
    } = 16;
}
