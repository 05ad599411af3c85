using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ClipEngine.Clip;

/// <summary>Raw little-endian elements of a stored type widened to the dtype a loaded state dict holds (see <see cref="TorchStorageTypes.LoadedDType"/>).</summary>
internal static class ElementConversion
{
    public static TorchStorageType StoredType(DType dtype) => dtype switch
    {
        DType.F32 => TorchStorageType.Float,
        DType.F16 => TorchStorageType.Half,
        DType.BF16 => TorchStorageType.BFloat16,
        DType.F64 => TorchStorageType.Double,
        DType.I32 => TorchStorageType.Int,
        DType.I64 => TorchStorageType.Long,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "no stored element type"),
    };

    public static byte[] Widen(TorchStorageType type, ReadOnlySpan<byte> source)
    {
        if (type is TorchStorageType.Float or TorchStorageType.Long or TorchStorageType.Int) return source.ToArray();
        var count = source.Length / type.ElementSize();
        var result = new byte[count * type.LoadedDType().SizeInBytes()];
        var floats = MemoryMarshal.Cast<byte, float>(result.AsSpan());
        var ints = MemoryMarshal.Cast<byte, int>(result.AsSpan());
        switch (type)
        {
            case TorchStorageType.Double:
                for (var i = 0; i < count; i++) floats[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source[(i * 8)..]);
                break;
            case TorchStorageType.Half:
                for (var i = 0; i < count; i++) floats[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source[(i * 2)..]);
                break;
            case TorchStorageType.BFloat16:
                for (var i = 0; i < count; i++) floats[i] = BFloat16Bits.ToFloat(BinaryPrimitives.ReadUInt16LittleEndian(source[(i * 2)..]));
                break;
            case TorchStorageType.Short:
                for (var i = 0; i < count; i++) ints[i] = BinaryPrimitives.ReadInt16LittleEndian(source[(i * 2)..]);
                break;
            case TorchStorageType.Char:
                for (var i = 0; i < count; i++) ints[i] = (sbyte)source[i];
                break;
            case TorchStorageType.Byte:
                for (var i = 0; i < count; i++) ints[i] = source[i];
                break;
            case TorchStorageType.Bool:
                for (var i = 0; i < count; i++) ints[i] = source[i] != 0 ? 1 : 0;
                break;
        }
        return result;
    }
}
