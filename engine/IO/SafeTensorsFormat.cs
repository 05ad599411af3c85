namespace ClipEngine.IO;

/// <summary>Facts about the safetensors format shared by the reader and the writer.</summary>
internal static class SafeTensorsFormat
{
    public const string MetadataKey = "__metadata__";

    /// <summary>Bytes before the header: its length as a little-endian u64.</summary>
    public const int PrefixBytes = 8;

    /// <summary>The reference writer pads the header so the data section starts on this boundary.</summary>
    public const int DataAlignment = 8;

    public const string SupportedDTypes = "F32, F16, BF16, F64, I32, I64";

    // Every dtype the format defines, so that a dtype this engine cannot hold is told apart from garbage.
    private static readonly HashSet<string> FormatDTypes = new(StringComparer.Ordinal)
    {
        "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4",
        "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64",
    };

    public static bool TryParseDType(string name, out DType dtype)
    {
        switch (name)
        {
            case "F32": dtype = DType.F32; return true;
            case "F16": dtype = DType.F16; return true;
            case "BF16": dtype = DType.BF16; return true;
            case "I32": dtype = DType.I32; return true;
            case "I64": dtype = DType.I64; return true;
            case "F64": dtype = DType.F64; return true;
            default: dtype = default; return false;
        }
    }

    public static bool IsFormatDType(string name) => FormatDTypes.Contains(name);

    public static string DTypeName(DType dtype) => dtype switch
    {
        DType.F32 => "F32",
        DType.F16 => "F16",
        DType.BF16 => "BF16",
        DType.I32 => "I32",
        DType.I64 => "I64",
        DType.F64 => "F64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a dtype safetensors can store"),
    };

    /// <summary>Element and byte counts of a shape whose dims are known to be non-negative; false when either overflows a long.</summary>
    public static bool TryGetSizes(ReadOnlySpan<int> shape, DType dtype, out long elementCount, out long byteCount)
    {
        elementCount = 0;
        byteCount = 0;
        // A zero dim empties the tensor however large the other dims are, so it must not trip the overflow check.
        if (shape.Contains(0))
        {
            return true;
        }

        long count = 1;
        foreach (int dim in shape)
        {
            if (count > long.MaxValue / dim)
            {
                return false;
            }

            count *= dim;
        }

        int size = dtype.SizeInBytes();
        if (count > long.MaxValue / size)
        {
            return false;
        }

        elementCount = count;
        byteCount = count * size;
        return true;
    }

    public static string FormatShape(ReadOnlySpan<int> shape) => $"[{string.Join(", ", shape.ToArray())}]";
}
