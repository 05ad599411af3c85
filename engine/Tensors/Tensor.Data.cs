using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace ClipEngine;

public sealed partial class Tensor
{
    public byte[] ToBytes()
    {
        var bytes = new byte[NumEl * DType.SizeInBytes()];
        CopyBytesTo(bytes);
        return bytes;
    }

    public void CopyBytesTo(Span<byte> destination)
    {
        var length = NumEl * DType.SizeInBytes();
        if (destination.Length < length)
            throw new ArgumentException($"destination holds {destination.Length} bytes; tensor {ShapeUtil.Format(_shape)} {DType} has {length}");
        Backend.CopyToHost(this, destination[..(int)length]);
    }

    /// <summary>The elements in their exact dtype (T must match it: float for F32, int for I32, long for I64, double for F64, Half for F16, ushort for BF16 bits).</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        if (Marshal.SizeOf<T>() != DType.SizeInBytes() || (typeof(T) == typeof(float)) != (DType == DType.F32) || (typeof(T) == typeof(double)) != (DType == DType.F64))
            throw new InvalidOperationException($"ToArray<{typeof(T).Name}>() on a {DType} tensor; use ToArray() for floats of any dtype");
        var result = new T[NumEl];
        CopyBytesTo(MemoryMarshal.AsBytes(result.AsSpan()));
        return result;
    }

    /// <summary>The elements converted to float, whatever the dtype.</summary>
    public float[] ToArray()
    {
        if (DType == DType.F32) return ToArray<float>();
        var bytes = ToBytes();
        var result = new float[NumEl];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = DType switch
            {
                DType.BF16 => BFloat16Bits.ToFloat(MemoryMarshal.Read<ushort>(bytes.AsSpan(i * 2))),
                DType.F16 => (float)MemoryMarshal.Read<Half>(bytes.AsSpan(i * 2)),
                DType.I32 => MemoryMarshal.Read<int>(bytes.AsSpan(i * 4)),
                DType.I64 => MemoryMarshal.Read<long>(bytes.AsSpan(i * 8)),
                DType.F64 => (float)MemoryMarshal.Read<double>(bytes.AsSpan(i * 8)),
                _ => throw new InvalidOperationException($"unknown dtype {DType}"),
            };
        }
        return result;
    }

    /// <summary>The value of a one-element tensor, as float.</summary>
    public float Item()
    {
        if (NumEl != 1) throw new InvalidOperationException($"Item() needs exactly one element; this tensor has shape {ShapeUtil.Format(_shape)}");
        return ToArray()[0];
    }

    /// <summary>PyTorch-style print: nested values (long dimensions elided to their first and last three) then shape, dtype and device.</summary>
    public override string ToString()
    {
        if (IsDisposed) return $"tensor(<disposed>, shape={ShapeUtil.Format(_shape)}, dtype={DType})";
        var values = ToArray();
        var isInt = DType is DType.I32 or DType.I64;
        var sb = new StringBuilder("tensor(");
        AppendDim(sb, values, 0, 0, isInt, 7);
        sb.Append(", shape=").Append(ShapeUtil.Format(_shape)).Append(", dtype=").Append(DType);
        if (Device != Device.Cpu) sb.Append(", device=").Append(Device);
        if (GradFn is not null) sb.Append(", grad_fn=").Append(GradFn.Name);
        else if (RequiresGrad) sb.Append(", requires_grad=True");
        return sb.Append(')').ToString();
    }

    private void AppendDim(StringBuilder sb, float[] values, int dim, long offset, bool isInt, int indent)
    {
        if (dim == Rank)
        {
            var v = values[offset];
            sb.Append(isInt ? ((long)v).ToString(CultureInfo.InvariantCulture) : v.ToString("0.0000", CultureInfo.InvariantCulture));
            return;
        }
        const int edge = 3;
        var size = _shape[dim];
        var stride = ShapeUtil.NumEl(_shape.AsSpan(dim + 1));
        sb.Append('[');
        for (var i = 0; i < size; i++)
        {
            if (size > 2 * edge && i == edge)
            {
                sb.Append("..., ");
                i = size - edge - 1;
                continue;
            }
            AppendDim(sb, values, dim + 1, offset + i * stride, isInt, indent + 1);
            if (i < size - 1) sb.Append(dim == Rank - 1 ? ", " : ",\n" + new string(' ', indent + 1));
        }
        sb.Append(']');
    }
}
