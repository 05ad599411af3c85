namespace ClipEngine.Clip.Data;

/// <summary>Why a sample or archive member was left out. None of these stops a run; each is counted in <see cref="DataCounters"/>.</summary>
public enum SkipReason
{
    /// <summary>The image could not be read or decoded (corrupt, truncated, not an image, over the decode limits).</summary>
    UndecodableImage,

    /// <summary>A WebDataset sample without a jpg/jpeg/png/webp member.</summary>
    MissingImage,

    /// <summary>No caption: a WebDataset sample without a .txt member, or an empty caption.</summary>
    MissingCaption,

    /// <summary>A caption that is not valid UTF-8.</summary>
    InvalidCaptionEncoding,

    /// <summary>An archive member whose name is absolute or climbs out with "..".</summary>
    UnsafeMemberName,

    /// <summary>An archive member that is not a regular file: symbolic or hard link, device, FIFO, sparse file.</summary>
    NonRegularEntry,

    /// <summary>An archive member (or caption) larger than its limit.</summary>
    OversizedMember,

    /// <summary>A shard that ended early or had a corrupt header, when damaged shards are skipped rather than fatal.</summary>
    DamagedShard,
}
