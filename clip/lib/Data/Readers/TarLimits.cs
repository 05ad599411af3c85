namespace ClipEngine.Clip.Data;

/// <summary>Bounds on what one member of an untrusted tar archive may cost.</summary>
public sealed record TarLimits
{
    public static readonly TarLimits Default = new();

    private readonly long _maxMemberBytes = 64L << 20;
    private readonly int _maxExtendedHeaderBytes = 1 << 20;

    /// <summary>A regular member larger than this is skipped unread (64 MiB, the image decoder's own file limit).</summary>
    public long MaxMemberBytes
    {
        get => _maxMemberBytes;
        init => _maxMemberBytes = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxMemberBytes), value, "must be positive");
    }

    /// <summary>A pax header or GNU long name larger than this makes the archive invalid: no real name needs it.</summary>
    public int MaxExtendedHeaderBytes
    {
        get => _maxExtendedHeaderBytes;
        init => _maxExtendedHeaderBytes = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxExtendedHeaderBytes), value, "must be positive");
    }
}
