using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ClipEngine.IO;

/// <summary>Writes safetensors files atomically: readers of the target path see either the old file or the complete new one.</summary>
public static class SafeTensorsWriter
{
    /// <summary>
    /// Writes the tensors, in the given order, to <paramref name="path"/>. Every entry is checked before
    /// anything touches the disk; the file is built under a temporary name beside the target, flushed to
    /// disk, then moved over the target.
    /// </summary>
    public static void Save(string path, IEnumerable<SafeTensorEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        SafeTensorEntry[] entries = [.. tensors];
        Validate(entries, metadata);
        byte[] header = BuildHeader(entries, metadata);

        string fullPath = Path.GetFullPath(path);
        // Same directory as the target, so the final move is a rename within one file system and thus atomic.
        string tempPath = Path.Combine(
            Path.GetDirectoryName(fullPath)!,
            $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                Span<byte> prefix = stackalloc byte[SafeTensorsFormat.PrefixBytes];
                BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
                stream.Write(prefix);
                stream.Write(header);
                foreach (SafeTensorEntry entry in entries)
                {
                    stream.Write(entry.Data.Span);
                }

                // Without this a crash soon after the move could leave the new name pointing at unwritten blocks.
                stream.Flush(flushToDisk: true);
            }

            File.Move(tempPath, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    private static void Validate(SafeTensorEntry[] entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (SafeTensorEntry entry in entries)
        {
            if (entry.Name is null)
            {
                throw new ArgumentException("a tensor has a null name", nameof(entries));
            }

            string name = entry.Name;
            if (name == SafeTensorsFormat.MetadataKey)
            {
                throw new ArgumentException($"tensor name '{name}' is reserved for metadata", nameof(entries));
            }

            if (!names.Add(name))
            {
                throw new ArgumentException($"tensor '{name}' appears twice", nameof(entries));
            }

            if (!Enum.IsDefined(entry.DType))
            {
                throw new ArgumentException($"tensor '{name}': dtype {entry.DType} is not defined", nameof(entries));
            }

            int[] shape = entry.Shape ?? throw new ArgumentException($"tensor '{name}': shape is null", nameof(entries));
            // Files the reader would reject are refused here rather than discovered on the next load.
            if (shape.Length > SafeTensorsLimits.Default.MaxRank)
            {
                throw new ArgumentException($"tensor '{name}': shape has {shape.Length} dims, more than the limit of {SafeTensorsLimits.Default.MaxRank}", nameof(entries));
            }

            for (int i = 0; i < shape.Length; i++)
            {
                if (shape[i] < 0)
                {
                    throw new ArgumentException($"tensor '{name}': shape[{i}] is negative ({shape[i]})", nameof(entries));
                }
            }

            string dtypeName = SafeTensorsFormat.DTypeName(entry.DType);
            if (!SafeTensorsFormat.TryGetSizes(shape, entry.DType, out _, out long byteCount))
            {
                throw new ArgumentException($"tensor '{name}': shape {SafeTensorsFormat.FormatShape(shape)} of {dtypeName} overflows a 64-bit byte count", nameof(entries));
            }

            if (entry.Data.Length != byteCount)
            {
                throw new ArgumentException($"tensor '{name}': data is {entry.Data.Length} bytes but shape {SafeTensorsFormat.FormatShape(shape)} of {dtypeName} needs {byteCount}", nameof(entries));
            }
        }

        if (metadata is not null)
        {
            foreach ((string key, string value) in metadata)
            {
                if (value is null)
                {
                    throw new ArgumentException($"metadata value of '{key}' is null", nameof(metadata));
                }
            }
        }
    }

    private static byte[] BuildHeader(SafeTensorEntry[] entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new ArrayBufferWriter<byte>();
        // The default encoder escapes every non-ASCII character; names stay readable without it and the JSON stays valid.
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(SafeTensorsFormat.MetadataKey);
                foreach ((string key, string value) in metadata)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (SafeTensorEntry entry in entries)
            {
                writer.WriteStartObject(entry.Name);
                writer.WriteString("dtype", SafeTensorsFormat.DTypeName(entry.DType));
                writer.WriteStartArray("shape");
                foreach (int dim in entry.Shape)
                {
                    writer.WriteNumberValue(dim);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                offset += entry.Data.Length;
                writer.WriteNumberValue(offset);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        int padded = (json.WrittenCount + SafeTensorsFormat.DataAlignment - 1) / SafeTensorsFormat.DataAlignment * SafeTensorsFormat.DataAlignment;
        var header = new byte[padded];
        json.WrittenSpan.CopyTo(header);
        header.AsSpan(json.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void TryDelete(string path)
    {
        // Best effort: a failure to clean up must not hide the error that made the save fail.
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
