using System.Runtime.InteropServices;

namespace ClipEngine.Backends.Cuda;

/// <summary>
/// How a broadcasting kernel finds its inputs: the output's dimensions after coalescing and each input's element
/// strides along them (0 where it stretches). Same layout as <c>BroadcastIndex</c> in kernels/elementwise.cu.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct BroadcastIndex
{
    public const int MaxDims = 8;

    public long Rank;
    public fixed long Shape[MaxDims];
    public fixed long StrideA[MaxDims];
    public fixed long StrideB[MaxDims];

    /// <summary>
    /// Inputs of shapes <paramref name="a"/> and <paramref name="b"/> broadcast to <paramref name="output"/>. Size-1
    /// output dimensions are dropped, and neighbours merge where both inputs run through them alike (a bias add over
    /// [N, T, D] + [D] becomes [N·T, D]), so only shapes that still need more than 8 dimensions are refused.
    /// </summary>
    public static BroadcastIndex Create(int[] a, int[] b, int[] output)
    {
        var stridesA = BroadcastStrides(a, output);
        var stridesB = BroadcastStrides(b, output);
        var index = new BroadcastIndex();
        var rank = 0;
        for (var i = 0; i < output.Length; i++)
        {
            long size = output[i];
            if (size == 1) continue;
            if (rank > 0 && index.StrideA[rank - 1] == stridesA[i] * size && index.StrideB[rank - 1] == stridesB[i] * size)
            {
                index.Shape[rank - 1] *= size;
                index.StrideA[rank - 1] = stridesA[i];
                index.StrideB[rank - 1] = stridesB[i];
                continue;
            }
            if (rank == MaxDims)
                throw new NotSupportedException($"broadcasting {ShapeUtil.Format(a)} with {ShapeUtil.Format(b)} to {ShapeUtil.Format(output)} needs more than {MaxDims} dimensions after merging");
            index.Shape[rank] = size;
            index.StrideA[rank] = stridesA[i];
            index.StrideB[rank] = stridesB[i];
            rank++;
        }
        index.Rank = rank;
        return index;
    }

    /// <summary>Element strides of <paramref name="shape"/> seen through the broadcast <paramref name="output"/> shape (0 where it stretches).</summary>
    private static long[] BroadcastStrides(int[] shape, int[] output)
    {
        var own = ShapeUtil.Strides(shape);
        var result = new long[output.Length];
        var shift = output.Length - shape.Length;
        for (var i = 0; i < shape.Length; i++)
            result[i + shift] = shape[i] == 1 ? 0 : own[i];
        return result;
    }
}
