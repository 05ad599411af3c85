namespace ClipEngine.Clip.Data;

public enum TarEntryKind
{
    Regular,
    Directory,
    SymbolicLink,
    HardLink,
    CharacterDevice,
    BlockDevice,
    Fifo,

    /// <summary>Any other type flag (sparse files, volume labels, vendor extensions).</summary>
    Other,
}

/// <summary>
/// One archive member's header. <see cref="Rejection"/> says why a member must not be used — a name that is
/// absolute or climbs out with "..", a type other than a regular file or directory, a size over the limit — and is
/// null for a usable regular file or a directory.
/// </summary>
public sealed record TarEntry(string Name, TarEntryKind Kind, long Size, long HeaderOffset, SkipReason? Rejection)
{
    public bool IsUsableFile => Kind == TarEntryKind.Regular && Rejection is null;
}
