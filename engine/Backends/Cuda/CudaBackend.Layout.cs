namespace ClipEngine.Backends.Cuda;

// Materialised permutations and broadcasts (kernels/layout.cu), on elements of any dtype: they only move bits.
public sealed partial class CudaBackend
{
    /// <summary>Block of the transpose kernel: a 32-wide tile row per warp, 8 warps stepping down the tile (TILE, TILE_ROWS).</summary>
    private const int TransposeTile = 32;

    private const int TransposeTileRows = 8;

    public void Permute(Tensor x, int[] perm, Tensor y)
    {
        var n = x.NumEl;
        if (n == 0) return;
        var (dims, order) = PermuteAxes.Coalesce(x.Dims, perm);
        // Axes in the same order always merge, so an identity permutation coalesces to at most one axis.
        if (dims.Length <= 1)
        {
            Copy(x, 0, y, 0, n);
            return;
        }
        if (order is [1, 0] or [0, 2, 1])
        {
            Transpose(x, y, dims.Length == 3 ? dims[0] : 1, dims[^2], dims[^1]);
            return;
        }
        StridedCopy(x, y, StridedIndex.Permutation(dims, order));
    }

    public void Broadcast(Tensor x, Tensor y)
    {
        var n = y.NumEl;
        if (n == 0) return;
        // Equal counts mean the shapes differ only by size-1 axes, which leaves the element order as it is.
        if (x.NumEl == n)
        {
            Copy(x, 0, y, 0, n);
            return;
        }
        StridedCopy(x, y, StridedIndex.Broadcast(x.Dims, y.Dims));
    }

    /// <summary>x [batch, rows, cols] into y [batch, cols, rows], tile by tile.</summary>
    private void Transpose(Tensor x, Tensor y, int batch, int rows, int cols)
    {
        var config = new LaunchConfig(
            new Dim3(
                (uint)((cols + TransposeTile - 1) / TransposeTile),
                (uint)Math.Min((rows + TransposeTile - 1) / TransposeTile, LaunchConfig.MaxGridY),
                (uint)Math.Min(batch, LaunchConfig.MaxGridY)),
            new Dim3(TransposeTile, TransposeTileRows));
        Launcher.Launch(Modules.Get("layout.cu", WordKernel("transpose", x.DType)), config, Ptr(x), Ptr(y), (long)batch, rows, cols);
    }

    private void StridedCopy(Tensor x, Tensor y, in StridedIndex index)
    {
        var n = y.NumEl;
        var smallIndex = Math.Max(n, x.NumEl) <= uint.MaxValue ? 1 : 0;
        Launcher.Launch(Modules.Get("layout.cu", WordKernel("strided_copy", x.DType)), LaunchConfig.GridStride(n, _maxBlocks),
            Ptr(x), Ptr(y), n, index, smallIndex);
    }

    /// <summary>The variant of a bit-moving kernel for elements of <paramref name="dtype"/>'s size: name_u16, name_u32 or name_u64.</summary>
    private static string WordKernel(string name, DType dtype) => dtype.SizeInBytes() switch
    {
        2 => name + "_u16",
        4 => name + "_u32",
        8 => name + "_u64",
        var size => throw new NotSupportedException($"no {name} kernel for {size}-byte elements ({dtype})"),
    };
}
