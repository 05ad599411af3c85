using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace ClipEngine.IO;

/// <summary>
/// A safetensors file mapped read-only into memory. The whole header is validated on open, so every
/// tensor it lists lies inside the file, has the size its shape and dtype imply, and overlaps no other.
/// Spans from <see cref="GetBytes"/> point into the mapping and must not be used after <see cref="Dispose"/>.
/// </summary>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _start;
    private readonly Dictionary<string, SafeTensorInfo> _byName;
    private bool _disposed;

    public SafeTensorsFile(string path, SafeTensorsLimits? limits = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        limits ??= SafeTensorsLimits.Default;
        Path = path;

        long fileLength;
        // Refuses writers where the OS enforces share modes: a file truncated under a live mapping faults on access, which no validation can prevent.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        try
        {
            fileLength = stream.Length;
            if (fileLength < SafeTensorsFormat.PrefixBytes)
            {
                throw Error($"file is {fileLength} bytes, shorter than the {SafeTensorsFormat.PrefixBytes}-byte header length");
            }

            _map = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }

        bool pointerAcquired = false;
        try
        {
            _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            pointerAcquired = true;
            _start = pointer + _view.PointerOffset;

            (Metadata, Tensors) = ParseHeader(fileLength, limits);
            _byName = new Dictionary<string, SafeTensorInfo>(Tensors.Count, StringComparer.Ordinal);
            foreach (SafeTensorInfo info in Tensors)
            {
                _byName.Add(info.Name, info);
            }
        }
        catch
        {
            if (pointerAcquired)
            {
                _view!.SafeMemoryMappedViewHandle.ReleasePointer();
            }

            _view?.Dispose();
            _map.Dispose();
            throw;
        }
    }

    public static SafeTensorsFile Open(string path, SafeTensorsLimits? limits = null) => new(path, limits);

    /// <summary>The path the file was opened with; error messages start with it.</summary>
    public string Path { get; }

    /// <summary>The header's <c>__metadata__</c> object; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every tensor, in the order their data lies in the file (header order among empty tensors at the same offset).</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public SafeTensorInfo this[string name] => _byName.TryGetValue(name, out SafeTensorInfo? info)
        ? info
        : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");

    /// <summary>The tensor's bytes inside the mapping, valid until this file is disposed.</summary>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        SafeTensorInfo info = this[name];
        if (info.Length > int.MaxValue)
        {
            throw new NotSupportedException($"{Path}: tensor '{name}' is {info.Length} bytes, more than a span can address");
        }

        return new ReadOnlySpan<byte>(_start + info.Offset, (int)info.Length);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    private (IReadOnlyDictionary<string, string>, IReadOnlyList<SafeTensorInfo>) ParseHeader(long fileLength, SafeTensorsLimits limits)
    {
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(_start, SafeTensorsFormat.PrefixBytes));
        long available = fileLength - SafeTensorsFormat.PrefixBytes;
        if (headerLength == 0)
        {
            throw Error("header length is 0");
        }

        if (headerLength > (ulong)available)
        {
            throw Error($"header length {headerLength} exceeds the {available} bytes that follow it");
        }

        if (headerLength > (ulong)limits.MaxHeaderBytes)
        {
            throw Error($"header length {headerLength} exceeds the limit of {limits.MaxHeaderBytes} bytes");
        }

        var header = new ReadOnlySpan<byte>(_start + SafeTensorsFormat.PrefixBytes, (int)headerLength);
        if (!Utf8.IsValid(header))
        {
            throw Error("header is not valid UTF-8");
        }

        long headerEnd = SafeTensorsFormat.PrefixBytes + (long)headerLength;
        using JsonDocument document = ParseJson(header);
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Error($"header is {Describe(root.ValueKind)}, not an object");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<Entry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty property in root.EnumerateObject())
        {
            string name = KeyOf(property, "a header key");
            if (!names.Add(name))
            {
                throw Error(name == SafeTensorsFormat.MetadataKey
                    ? $"'{SafeTensorsFormat.MetadataKey}' appears twice in the header"
                    : $"tensor {Quote(name)} appears twice in the header");
            }

            if (name == SafeTensorsFormat.MetadataKey)
            {
                ReadMetadata(property.Value, metadata);
            }
            else
            {
                entries.Add(ReadEntry(name, property.Value, entries.Count, fileLength - headerEnd, limits));
            }
        }

        entries.Sort(static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin)
            : a.End != b.End ? a.End.CompareTo(b.End)
            : a.HeaderIndex.CompareTo(b.HeaderIndex));
        CheckNoOverlap(entries);

        var infos = new SafeTensorInfo[entries.Count];
        for (int i = 0; i < infos.Length; i++)
        {
            Entry e = entries[i];
            infos[i] = new SafeTensorInfo(e.Name, e.DType, e.Shape, e.ElementCount, headerEnd + e.Begin, e.End - e.Begin);
        }

        return (metadata.AsReadOnly(), Array.AsReadOnly(infos));
    }

    private JsonDocument ParseJson(ReadOnlySpan<byte> header)
    {
        try
        {
            return JsonDocument.Parse(header.ToArray());
        }
        catch (JsonException e)
        {
            throw Error($"header is not valid JSON: {e.Message}", e);
        }
    }

    private void ReadMetadata(JsonElement value, Dictionary<string, string> metadata)
    {
        const string key = SafeTensorsFormat.MetadataKey;
        // The reference implementation reads a null __metadata__ as absent.
        if (value.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Error($"'{key}' is {Describe(value.ValueKind)}, not an object");
        }

        foreach (JsonProperty property in value.EnumerateObject())
        {
            string name = KeyOf(property, $"a '{key}' key");
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                throw Error($"'{key}' value of {Quote(name)} is {Describe(property.Value.ValueKind)}, not a string");
            }

            if (!metadata.TryAdd(name, StringOf(property.Value, $"'{key}' value of {Quote(name)}")))
            {
                throw Error($"'{key}' key {Quote(name)} appears twice");
            }
        }
    }

    private Entry ReadEntry(string name, JsonElement value, int headerIndex, long dataLength, SafeTensorsLimits limits)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Error($"tensor {Quote(name)}: entry is {Describe(value.ValueKind)}, not an object");
        }

        JsonElement? dtypeField = null, shapeField = null, offsetsField = null;
        foreach (JsonProperty property in value.EnumerateObject())
        {
            // Fields other than these three are ignored, as by the reference implementation.
            switch (KeyOf(property, $"tensor {Quote(name)}: a field name"))
            {
                case "dtype": SetOnce(ref dtypeField, property, name); break;
                case "shape": SetOnce(ref shapeField, property, name); break;
                case "data_offsets": SetOnce(ref offsetsField, property, name); break;
            }
        }

        DType dtype = ReadDType(name, Required(name, "dtype", dtypeField, JsonValueKind.String));
        int[] shape = ReadShape(name, Required(name, "shape", shapeField, JsonValueKind.Array), limits.MaxRank);
        (long begin, long end) = ReadOffsets(name, Required(name, "data_offsets", offsetsField, JsonValueKind.Array));

        if (!SafeTensorsFormat.TryGetSizes(shape, dtype, out long elementCount, out long byteCount))
        {
            throw Error($"tensor {Quote(name)}: shape {SafeTensorsFormat.FormatShape(shape)} of {SafeTensorsFormat.DTypeName(dtype)} overflows a 64-bit byte count");
        }

        if (begin > end)
        {
            throw Error($"tensor {Quote(name)}: data_offsets [{begin}, {end}] begin after they end");
        }

        if (end > dataLength)
        {
            throw Error($"tensor {Quote(name)}: data_offsets [{begin}, {end}] lie beyond the data section ({dataLength} bytes)");
        }

        if (end - begin != byteCount)
        {
            throw Error($"tensor {Quote(name)}: shape {SafeTensorsFormat.FormatShape(shape)} of {SafeTensorsFormat.DTypeName(dtype)} needs {byteCount} bytes but data_offsets [{begin}, {end}] hold {end - begin}");
        }

        return new Entry(name, dtype, shape, elementCount, begin, end, headerIndex);
    }

    private void SetOnce(ref JsonElement? field, JsonProperty property, string name)
    {
        if (field is not null)
        {
            throw Error($"tensor {Quote(name)}: field '{property.Name}' appears twice");
        }

        field = property.Value;
    }

    private JsonElement Required(string name, string field, JsonElement? value, JsonValueKind kind)
    {
        if (value is not JsonElement element)
        {
            throw Error($"tensor {Quote(name)}: field '{field}' is missing");
        }

        if (element.ValueKind != kind)
        {
            throw Error($"tensor {Quote(name)}: field '{field}' is {Describe(element.ValueKind)}, not {Describe(kind)}");
        }

        return element;
    }

    private DType ReadDType(string name, JsonElement value)
    {
        string dtypeName = StringOf(value, $"tensor {Quote(name)}: dtype");
        if (SafeTensorsFormat.TryParseDType(dtypeName, out DType dtype))
        {
            return dtype;
        }

        throw Error(SafeTensorsFormat.IsFormatDType(dtypeName)
            ? $"tensor {Quote(name)}: dtype {Quote(dtypeName)} is not supported (supported: {SafeTensorsFormat.SupportedDTypes})"
            : $"tensor {Quote(name)}: dtype {Quote(dtypeName)} is not a safetensors dtype");
    }

    private int[] ReadShape(string name, JsonElement value, int maxRank)
    {
        int rank = value.GetArrayLength();
        if (rank > maxRank)
        {
            throw Error($"tensor {Quote(name)}: shape has {rank} dims, more than the limit of {maxRank}");
        }

        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            long dim = ReadInteger(name, $"shape[{i}]", value[i]);
            if (dim < 0)
            {
                throw Error($"tensor {Quote(name)}: shape[{i}] is negative ({dim})");
            }

            if (dim > int.MaxValue)
            {
                throw Error($"tensor {Quote(name)}: shape[{i}] is {dim}, larger than {int.MaxValue}");
            }

            shape[i] = (int)dim;
        }

        return shape;
    }

    private (long Begin, long End) ReadOffsets(string name, JsonElement value)
    {
        if (value.GetArrayLength() != 2)
        {
            throw Error($"tensor {Quote(name)}: data_offsets has {value.GetArrayLength()} elements, not 2");
        }

        long begin = ReadInteger(name, "data_offsets[0]", value[0]);
        long end = ReadInteger(name, "data_offsets[1]", value[1]);
        if (begin < 0 || end < 0)
        {
            throw Error($"tensor {Quote(name)}: data_offsets [{begin}, {end}] are negative");
        }

        return (begin, end);
    }

    private long ReadInteger(string name, string field, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            throw Error($"tensor {Quote(name)}: {field} is {Describe(value.ValueKind)}, not an integer");
        }

        if (!value.TryGetInt64(out long result))
        {
            throw Error($"tensor {Quote(name)}: {field} is {Quote(value.GetRawText())}, not a 64-bit integer");
        }

        return result;
    }

    private void CheckNoOverlap(List<Entry> sortedByBegin)
    {
        // The furthest-reaching range so far, not just the previous one, since a long tensor can cover several later ones.
        Entry? reach = null;
        foreach (Entry entry in sortedByBegin)
        {
            // An empty range holds no bytes, so it cannot share any.
            if (entry.Begin == entry.End)
            {
                continue;
            }

            if (reach is Entry previous && entry.Begin < previous.End)
            {
                throw Error($"tensor {Quote(entry.Name)}: data_offsets [{entry.Begin}, {entry.End}] overlap those of tensor {Quote(previous.Name)} [{previous.Begin}, {previous.End}]");
            }

            if (reach is null || entry.End > reach.Value.End)
            {
                reach = entry;
            }
        }
    }

    // JSON can escape a lone surrogate, which no .NET string can hold; System.Text.Json throws InvalidOperationException on it.
    private string KeyOf(JsonProperty property, string context)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException e)
        {
            throw Error($"{context} escapes an unpaired surrogate", e);
        }
    }

    private string StringOf(JsonElement value, string context)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw Error($"{context} escapes an unpaired surrogate", e);
        }
    }

    /// <summary>Quotes a string taken from the file for an error message, bounded and with control characters escaped so it cannot forge log lines.</summary>
    private static string Quote(string text)
    {
        const int maxChars = 120;
        var quoted = new StringBuilder("'");
        foreach (char c in text.Length > maxChars ? text.AsSpan(0, maxChars) : text)
        {
            quoted.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        }

        return quoted.Append(text.Length > maxChars ? "…'" : "'").ToString();
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };

    private SafeTensorsFormatException Error(string detail, Exception? inner = null) => new(Path, detail, inner);

    private readonly record struct Entry(string Name, DType DType, int[] Shape, long ElementCount, long Begin, long End, int HeaderIndex);
}
