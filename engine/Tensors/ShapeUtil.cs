namespace ClipEngine;

/// <summary>Shape arithmetic shared by the ops: element counts, negative axes, broadcasting.</summary>
public static class ShapeUtil
{
    public static long NumEl(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension in shape {Format(shape)}");
            n = checked(n * d);
        }
        return n;
    }

    /// <summary>Maps a possibly negative axis (-1 = last) to [0, rank).</summary>
    public static int Axis(int axis, int rank)
    {
        var a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new ArgumentOutOfRangeException(nameof(axis), $"axis {axis} is out of range for a tensor of rank {rank}");
        return a;
    }

    /// <summary>NumPy/PyTorch broadcasting: shapes are aligned on the right; a dimension of 1 stretches.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        var rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            var da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            var db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"shapes {Format(a)} and {Format(b)} cannot be broadcast together (dimension {i}: {da} vs {db})");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>Row-major strides of <paramref name="shape"/>, in elements.</summary>
    public static long[] Strides(ReadOnlySpan<int> shape)
    {
        var strides = new long[shape.Length];
        long s = 1;
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= shape[i];
        }
        return strides;
    }

    /// <summary>Product of the dimensions in [start, end).</summary>
    public static int Product(ReadOnlySpan<int> shape, int start, int end)
    {
        long n = 1;
        for (var i = start; i < end; i++) n *= shape[i];
        return checked((int)n);
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
