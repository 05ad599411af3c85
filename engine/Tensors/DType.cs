namespace ClipEngine;

/// <summary>Element type of a tensor. Math runs in F32; BF16/F16/F64 are storage types (F64 for float64 references); I32/I64 hold indices.</summary>
public enum DType
{
    F32,
    BF16,
    F16,
    I32,
    I64,
    F64,
}

public static class DTypeExtensions
{
    public static int SizeInBytes(this DType dtype) => dtype switch
    {
        DType.F32 or DType.I32 => 4,
        DType.BF16 or DType.F16 => 2,
        DType.I64 or DType.F64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    public static bool IsFloatingPoint(this DType dtype) => dtype is DType.F32 or DType.BF16 or DType.F16 or DType.F64;
}
