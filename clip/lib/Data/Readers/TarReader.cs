using System.Text;

namespace ClipEngine.Clip.Data;

/// <summary>
/// Streams the members of a tar archive without extracting anything: ustar and v7 headers, GNU long names ('L'),
/// pax extended headers ('x': path and size; global 'g' headers are read past). Members come out in archive order
/// with their names checked (<see cref="TarEntry.Rejection"/>); the caller reads a usable member's data or lets
/// <see cref="Next"/> skip it. An archive that ends before its end-of-archive marker, inside a header or inside a
/// member, or whose header checksum is wrong, is a <see cref="TarFormatException"/> naming the archive and offset.
/// Does not own the stream.
/// </summary>
public sealed class TarReader(Stream stream, string archiveName, TarLimits? limits = null)
{
    private const int Block = 512;

    private readonly TarLimits _limits = limits ?? TarLimits.Default;
    private readonly byte[] _header = new byte[Block];
    private long _position;
    private long _unreadData;
    private long _padding;
    private TarEntry? _current;
    private bool _ended;

    public string ArchiveName { get; } = archiveName;

    /// <summary>The next member's header, or null after the end-of-archive marker. Skips whatever of the previous member was not read.</summary>
    public TarEntry? Next()
    {
        if (_ended) return null;
        if (_current is { } previous) SkipRest($"the member '{previous.Name}'", previous.HeaderOffset);
        _current = null;
        string? longName = null;
        Dictionary<string, string>? pax = null;
        while (true)
        {
            var offset = _position;
            var read = ReadUpTo(_header);
            if (read == 0) throw Error(offset, "the archive ends without its end-of-archive marker (truncated?)");
            if (read < Block) throw Error(offset, $"the archive ends {read} bytes into a 512-byte header (truncated)");
            if (_header.AsSpan().IndexOfAnyExcept((byte)0) < 0)
            {
                if (longName is not null || pax is not null) throw Error(offset, "an extended header is followed by the end of the archive instead of a member");
                _ended = true;
                return null;
            }
            CheckChecksum(offset);
            var type = (char)_header[156];
            var size = ParseNumber(_header.AsSpan(124, 12), "size", offset);
            switch (type)
            {
                case 'L':
                    longName = CString(ReadExtendedHeader(size, offset, "GNU long name"));
                    continue;
                case 'x':
                    pax = ParsePax(ReadExtendedHeader(size, offset, "pax header"), offset);
                    continue;
                case 'g' or 'K':
                    // A global pax header and a GNU long link name change nothing we use.
                    ReadExtendedHeader(size, offset, type == 'g' ? "pax global header" : "GNU long link name");
                    continue;
            }
            if (pax?.TryGetValue("size", out var paxSize) == true) size = ParsePaxSize(paxSize, offset);
            var name = pax?.GetValueOrDefault("path") ?? longName ?? HeaderName();
            var kind = Kind(type);
            _current = new TarEntry(name, kind, size, offset, Rejection(name, kind, size));
            // As in Python's tarfile: links, directories, devices and FIFOs carry no data whatever their size field says.
            var dataSize = kind is TarEntryKind.Regular or TarEntryKind.Other ? size : 0;
            _unreadData = dataSize;
            _padding = Padding(dataSize);
            return _current;
        }
    }

    /// <summary>The whole data of the member <see cref="Next"/> last returned, which must be a usable regular file.</summary>
    public byte[] ReadData()
    {
        if (_current is not { IsUsableFile: true } entry)
            throw new InvalidOperationException($"{ArchiveName}: only a usable regular member's data can be read, not {_current?.ToString() ?? "nothing"}");
        if (_unreadData != entry.Size) throw new InvalidOperationException($"{ArchiveName}: the data of '{entry.Name}' was already read");
        var data = new byte[entry.Size];
        var read = ReadUpTo(data);
        _unreadData -= read;
        if (read < data.Length)
            throw Error(entry.HeaderOffset, $"the member '{entry.Name}' declares {entry.Size} bytes but the archive ends {read} bytes into it (truncated)");
        return data;
    }

    /// <summary>Whether a name, once joined to an extraction directory, would stay inside it.</summary>
    public static bool IsSafeName(string name)
    {
        if (name.Length == 0 || name[0] is '/' or '\\') return false;
        if (name.Length >= 2 && name[1] == ':' && char.IsAsciiLetter(name[0])) return false;
        return !name.Split('/', '\\').Contains("..");
    }

    private SkipReason? Rejection(string name, TarEntryKind kind, long size) => kind switch
    {
        TarEntryKind.Directory => null,
        not TarEntryKind.Regular => SkipReason.NonRegularEntry,
        _ when !IsSafeName(name) => SkipReason.UnsafeMemberName,
        _ when size > _limits.MaxMemberBytes => SkipReason.OversizedMember,
        _ => null,
    };

    private static TarEntryKind Kind(char type) => type switch
    {
        '0' or '\0' or '7' => TarEntryKind.Regular,
        '1' => TarEntryKind.HardLink,
        '2' => TarEntryKind.SymbolicLink,
        '3' => TarEntryKind.CharacterDevice,
        '4' => TarEntryKind.BlockDevice,
        '5' => TarEntryKind.Directory,
        '6' => TarEntryKind.Fifo,
        _ => TarEntryKind.Other,
    };

    /// <summary>POSIX ustar joins prefix and name; GNU tar ("ustar  ") keeps other fields where the prefix would be.</summary>
    private string HeaderName()
    {
        var name = CString(_header.AsSpan(0, 100));
        var posix = _header.AsSpan(257, 6).SequenceEqual("ustar\0"u8);
        var prefix = posix ? CString(_header.AsSpan(345, 155)) : "";
        return prefix.Length > 0 ? prefix + "/" + name : name;
    }

    private byte[] ReadExtendedHeader(long size, long offset, string what)
    {
        if (size > _limits.MaxExtendedHeaderBytes)
            throw Error(offset, $"a {what} of {size} bytes is over the limit of {_limits.MaxExtendedHeaderBytes}");
        var data = new byte[size];
        if (ReadUpTo(data) < size) throw Error(offset, $"the archive ends inside a {what} (truncated)");
        _unreadData = 0;
        _padding = Padding(size);
        SkipRest($"a {what}", offset);
        return data;
    }

    /// <summary>Records "LENGTH key=value\n", where LENGTH counts the whole record.</summary>
    private Dictionary<string, string> ParsePax(byte[] data, long offset)
    {
        var records = new Dictionary<string, string>();
        var pos = 0;
        while (pos < data.Length)
        {
            var space = Array.IndexOf(data, (byte)' ', pos);
            if (space < 0 || !int.TryParse(data.AsSpan(pos, space - pos), out var length) || length <= space - pos + 1 || pos + length > data.Length || data[pos + length - 1] != '\n')
                throw Error(offset, $"corrupt pax header record at byte {pos} of the header");
            var record = Encoding.UTF8.GetString(data, space + 1, pos + length - space - 2);
            var equals = record.IndexOf('=');
            if (equals <= 0) throw Error(offset, $"pax header record '{record}' has no key=value");
            records[record[..equals]] = record[(equals + 1)..];
            pos += length;
        }
        return records;
    }

    private long ParsePaxSize(string value, long offset) =>
        long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size)
            ? size
            : throw Error(offset, $"the pax size '{value}' is not a non-negative integer");

    /// <summary>Octal digits ended by a space or NUL, or GNU's base-256 (high bit of the first byte set) for large values.</summary>
    private long ParseNumber(ReadOnlySpan<byte> field, string what, long offset)
    {
        if ((field[0] & 0x80) != 0)
        {
            if ((field[0] & 0x40) != 0) throw Error(offset, $"the header's {what} is negative");
            long big = field[0] & 0x3F;
            foreach (var b in field[1..])
            {
                if (big > (long.MaxValue >> 8)) throw Error(offset, $"the header's {what} does not fit in 64 bits");
                big = (big << 8) | b;
            }
            return big;
        }
        var i = 0;
        while (i < field.Length && field[i] is (byte)' ' or 0) i++;
        long value = 0;
        for (; i < field.Length && field[i] is not ((byte)' ' or 0); i++)
        {
            if (field[i] is < (byte)'0' or > (byte)'7' || value > (long.MaxValue >> 3))
                throw Error(offset, $"the header's {what} field is not an octal number");
            value = (value << 3) | (long)(field[i] - '0');
        }
        return value;
    }

    /// <summary>The stored checksum must equal the header's byte sum with the checksum field read as spaces (unsigned, or signed as some old tars wrote it).</summary>
    private void CheckChecksum(long offset)
    {
        var stored = ParseNumber(_header.AsSpan(148, 8), "checksum", offset);
        long unsigned = 8 * ' ', signed = 8 * ' ';
        for (var i = 0; i < Block; i++)
        {
            if (i is >= 148 and < 156) continue;
            unsigned += _header[i];
            signed += (sbyte)_header[i];
        }
        if (stored != unsigned && stored != signed)
            throw Error(offset, $"header checksum mismatch (stored {stored}, computed {unsigned}): not a tar archive, or corrupt");
    }

    /// <summary>Moves past the unread data and padding of <paramref name="what"/>, whose header is at <paramref name="headerOffset"/>.</summary>
    private void SkipRest(string what, long headerOffset)
    {
        var count = _unreadData + _padding;
        _unreadData = _padding = 0;
        if (count == 0) return;
        if (stream.CanSeek)
        {
            var available = stream.Length - stream.Position;
            if (available < count) throw Truncated(what, headerOffset, _position + available);
            stream.Seek(count, SeekOrigin.Current);
            _position += count;
            return;
        }
        var scratch = new byte[(int)Math.Min(count, 1 << 16)];
        while (count > 0)
        {
            var read = ReadUpTo(scratch.AsSpan(0, (int)Math.Min(count, scratch.Length)));
            if (read == 0) throw Truncated(what, headerOffset, _position);
            count -= read;
        }
    }

    private TarFormatException Truncated(string what, long headerOffset, long end) =>
        Error(headerOffset, $"the archive ends at byte {end}, inside {what} or its padding (truncated)");

    private int ReadUpTo(Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = stream.Read(buffer[total..]);
            if (read == 0) break;
            total += read;
        }
        _position += total;
        return total;
    }

    private static long Padding(long size) => (Block - size % Block) % Block;

    private static string CString(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }

    private TarFormatException Error(long offset, string reason) => new(ArchiveName, offset, reason);
}
