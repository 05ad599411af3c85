using System.Runtime.InteropServices;

namespace ClipEngine.Backends.Cuda;

/// <summary>
/// How the strided-copy kernel finds each output element in its input: the output's (coalesced) shape and the
/// input's element stride along each output axis (0 where the input is broadcast). Same layout as
/// <c>StridedIndex</c> in kernels/layout.cu.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct StridedIndex
{
    /// <summary>One limit for both index structs: the kernels share MAX_INDEX_DIMS (kernels/common.cuh).</summary>
    public const int MaxDims = BroadcastIndex.MaxDims;

    public long Rank;
    public fixed long Shape[MaxDims];
    public fixed long Stride[MaxDims];

    /// <summary>x of shape <paramref name="input"/> broadcast to <paramref name="output"/>, coalesced as <see cref="BroadcastIndex"/> does.</summary>
    public static StridedIndex Broadcast(int[] input, int[] output)
    {
        var merged = BroadcastIndex.Create(input, input, output);
        var index = new StridedIndex { Rank = merged.Rank };
        for (var d = 0; d < merged.Rank; d++)
        {
            index.Shape[d] = merged.Shape[d];
            index.Stride[d] = merged.StrideA[d];
        }
        return index;
    }

    /// <summary>Input axes of sizes <paramref name="dims"/> permuted by <paramref name="order"/> (both already coalesced).</summary>
    public static StridedIndex Permutation(int[] dims, int[] order)
    {
        if (order.Length > MaxDims)
            throw new NotSupportedException($"a permutation of {order.Length} axes that cannot merge below {MaxDims} (input axes {ShapeUtil.Format(dims)}, order [{string.Join(", ", order)}])");
        var strides = ShapeUtil.Strides(dims);
        var index = new StridedIndex { Rank = order.Length };
        for (var d = 0; d < order.Length; d++)
        {
            index.Shape[d] = dims[order[d]];
            index.Stride[d] = strides[order[d]];
        }
        return index;
    }
}
