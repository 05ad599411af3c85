namespace ClipEngine.Clip;

/// <summary>The element types of <c>torch.*Storage</c> classes a checkpoint may name.</summary>
internal enum TorchStorageType
{
    Float,
    Double,
    Half,
    BFloat16,
    Long,
    Int,
    Short,
    Char,
    Byte,
    Bool,
}

internal static class TorchStorageTypes
{
    /// <summary>The type of a storage class name such as <c>HalfStorage</c>; false for anything else.</summary>
    public static bool TryParse(string className, out TorchStorageType type)
    {
        type = default;
        const string suffix = "Storage";
        return className.EndsWith(suffix, StringComparison.Ordinal)
            && Enum.TryParse(className[..^suffix.Length], ignoreCase: false, out type)
            && Enum.IsDefined(type)
            && type.ToString() + suffix == className;
    }

    public static int ElementSize(this TorchStorageType type) => type switch
    {
        TorchStorageType.Double or TorchStorageType.Long => 8,
        TorchStorageType.Float or TorchStorageType.Int => 4,
        TorchStorageType.Half or TorchStorageType.BFloat16 or TorchStorageType.Short => 2,
        _ => 1,
    };

    /// <summary>The dtype the loaded tensor gets: floats become F32, Long stays I64, narrower integers widen to I32.</summary>
    public static DType LoadedDType(this TorchStorageType type) => type switch
    {
        TorchStorageType.Float or TorchStorageType.Double or TorchStorageType.Half or TorchStorageType.BFloat16 => DType.F32,
        TorchStorageType.Long => DType.I64,
        _ => DType.I32,
    };
}
