using System.Buffers.Binary;

namespace ClipEngine.Clip;

/// <summary>
/// Finds PNG, JPEG and WebP files that end before their own structure does. ImageSharp 2.1 decodes such a
/// file without complaint and leaves the missing rows transparent black, where PIL raises "image file is
/// truncated"; a half-black image would silently poison an embedding, so these containers are walked first.
/// Other formats rely on their decoder.
/// </summary>
internal static class ImageCompleteness
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Why the data is truncated or structurally corrupt, or null when it is whole (or not one of these formats).</summary>
    public static string? FindDefect(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith(PngSignature)) return FindPngDefect(data);
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return FindJpegDefect(data);
        if (data.Length >= 12 && data[..4].SequenceEqual("RIFF"u8) && data.Slice(8, 4).SequenceEqual("WEBP"u8)) return FindRiffDefect(data);
        return null;
    }

    /// <summary>Chunks (length, type, data, CRC) must follow one another whole up to IEND.</summary>
    private static string? FindPngDefect(ReadOnlySpan<byte> data)
    {
        long pos = PngSignature.Length;
        while (pos < data.Length)
        {
            if (pos + 8 > data.Length) return $"truncated PNG: the file ends inside a chunk header at byte {pos}";
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[(int)pos..]);
            var type = System.Text.Encoding.ASCII.GetString(data.Slice((int)pos + 4, 4));
            if (length > int.MaxValue) return $"corrupt PNG: the {type} chunk at byte {pos} declares {length} bytes";
            if (pos + 12 + length > data.Length)
                return $"truncated PNG: the {type} chunk at byte {pos} declares {length} bytes but the file ends {data.Length - pos - 8} bytes into it";
            if (type == "IEND") return null;
            pos += 12 + length;
        }
        return "truncated PNG: the file ends before the IEND chunk";
    }

    /// <summary>
    /// Segments up to EOI: each marker's length field is skipped over, and after SOS the entropy-coded data
    /// runs to the next marker (0xFF followed by anything but a stuffed 0x00 or a restart marker).
    /// Bytes after EOI (camera trailers) are allowed.
    /// </summary>
    private static string? FindJpegDefect(ReadOnlySpan<byte> data)
    {
        var pos = 2;
        while (true)
        {
            // libjpeg skips stray bytes before a marker with a warning; so do we.
            while (pos < data.Length && data[pos] != 0xFF) pos++;
            while (pos < data.Length && data[pos] == 0xFF) pos++;
            if (pos >= data.Length) return "truncated JPEG: the file ends before the EOI marker";
            var marker = data[pos++];
            if (marker == 0xD9) return null;
            if (marker is (>= 0xD0 and <= 0xD7) or 0x01) continue;
            if (pos + 2 > data.Length) return $"truncated JPEG: the file ends inside the 0xFF{marker:X2} segment header";
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            if (length < 2) return $"corrupt JPEG: the 0xFF{marker:X2} segment at byte {pos - 2} declares length {length}";
            if (pos + length > data.Length)
                return $"truncated JPEG: the 0xFF{marker:X2} segment at byte {pos - 2} declares {length} bytes but the file ends {data.Length - pos} bytes into it";
            pos += length;
            if (marker != 0xDA) continue;
            while (pos + 1 < data.Length && !(data[pos] == 0xFF && data[pos + 1] != 0x00 && data[pos + 1] is not (>= 0xD0 and <= 0xD7)))
                pos++;
            if (pos + 1 >= data.Length) return "truncated JPEG: the file ends inside the compressed scan data";
        }
    }

    /// <summary>The RIFF header's size must fit in the file.</summary>
    private static string? FindRiffDefect(ReadOnlySpan<byte> data)
    {
        var declared = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]) + 8L;
        return declared > data.Length ? $"truncated WebP: the RIFF header declares {declared} bytes but the file has {data.Length}" : null;
    }
}
