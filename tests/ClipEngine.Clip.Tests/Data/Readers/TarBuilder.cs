using System.Text;

namespace ClipEngine.Clip.Tests.Data.Readers;

/// <summary>
/// Writes tar archives byte by byte, including the malformed ones a real tar tool would refuse to make: any name,
/// any type flag, a declared size that differs from the data, GNU long names and pax headers, a bad checksum.
/// </summary>
internal sealed class TarBuilder
{
    private readonly MemoryStream _bytes = new();

    /// <summary>Where the next header starts.</summary>
    public long Offset => _bytes.Length;

    public TarBuilder File(string name, byte[] data) => Entry(name, '0', data);

    public TarBuilder File(string name, string text) => File(name, Encoding.UTF8.GetBytes(text));

    /// <summary>A ustar header for <paramref name="name"/> (up to 100 bytes; ustar prefix for longer ones up to 255).</summary>
    public TarBuilder Entry(string name, char type, byte[] data, long? declaredSize = null, string linkName = "", bool corruptChecksum = false)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var (prefix, shortName) = nameBytes.Length <= 100 ? ([], nameBytes) : SplitUstar(nameBytes);
        WriteHeader(shortName, prefix, type, declaredSize ?? data.Length, linkName, corruptChecksum);
        WriteData(data);
        return this;
    }

    /// <summary>A GNU 'L' long-name header, then the member under a truncated name.</summary>
    public TarBuilder GnuLongName(string name, byte[] data)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name + "\0");
        WriteHeader("././@LongLink"u8.ToArray(), [], 'L', nameBytes.Length, "", false);
        WriteData(nameBytes);
        WriteHeader(nameBytes[..Math.Min(100, nameBytes.Length - 1)], [], '0', data.Length, "", false);
        WriteData(data);
        return this;
    }

    /// <summary>A pax 'x' header with the given records, then the member under a placeholder name.</summary>
    public TarBuilder Pax(IReadOnlyDictionary<string, string> records, byte[] data, char type = '0', long? declaredSize = null)
    {
        var body = new MemoryStream();
        foreach (var (key, value) in records) body.Write(PaxRecord(key, value));
        WriteHeader("PaxHeaders/placeholder"u8.ToArray(), [], 'x', body.Length, "", false);
        WriteData(body.ToArray());
        WriteHeader("placeholder"u8.ToArray(), [], type, declaredSize ?? data.Length, "", false);
        WriteData(data);
        return this;
    }

    /// <summary>The two zero blocks that end an archive.</summary>
    public TarBuilder End()
    {
        _bytes.Write(new byte[1024]);
        return this;
    }

    public byte[] ToArray() => _bytes.ToArray();

    public string WriteTo(string path)
    {
        System.IO.File.WriteAllBytes(path, ToArray());
        return path;
    }

    /// <summary>"LENGTH key=value\n" where LENGTH counts the record including its own digits.</summary>
    private static byte[] PaxRecord(string key, string value)
    {
        var payload = Encoding.UTF8.GetBytes($" {key}={value}\n");
        var length = payload.Length + 1;
        while ((length.ToString().Length + payload.Length) != length) length++;
        return [.. Encoding.ASCII.GetBytes(length.ToString()), .. payload];
    }

    private static (byte[] Prefix, byte[] Name) SplitUstar(byte[] name)
    {
        for (var i = name.Length - 1; i > 0; i--)
        {
            if (name[i] == '/' && i <= 155 && name.Length - i - 1 <= 100) return (name[..i], name[(i + 1)..]);
        }
        throw new ArgumentException("the name does not fit a ustar header");
    }

    private void WriteHeader(byte[] name, byte[] prefix, char type, long size, string linkName, bool corruptChecksum)
    {
        var header = new byte[512];
        name.CopyTo(header, 0);
        Octal(header, 100, 8, 0x1A4);
        Octal(header, 108, 8, 0);
        Octal(header, 116, 8, 0);
        Octal(header, 124, 12, size);
        Octal(header, 136, 12, 0x6000_0000);
        header[156] = (byte)type;
        Encoding.UTF8.GetBytes(linkName).CopyTo(header, 157);
        "ustar\0"u8.CopyTo(header.AsSpan(257));
        "00"u8.CopyTo(header.AsSpan(263));
        prefix.CopyTo(header, 345);
        header.AsSpan(148, 8).Fill((byte)' ');
        var sum = header.Sum(b => (long)b) + (corruptChecksum ? 1 : 0);
        Octal(header, 148, 7, sum);
        _bytes.Write(header);
    }

    private void WriteData(byte[] data)
    {
        _bytes.Write(data);
        _bytes.Write(new byte[(512 - data.Length % 512) % 512]);
    }

    /// <summary>Zero-padded octal digits and a terminating NUL, filling the field.</summary>
    private static void Octal(byte[] header, int offset, int length, long value) =>
        Encoding.ASCII.GetBytes(Convert.ToString(value, 8).PadLeft(length - 1, '0') + "\0").CopyTo(header, offset);
}
