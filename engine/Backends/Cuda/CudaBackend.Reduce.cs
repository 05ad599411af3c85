namespace ClipEngine.Backends.Cuda;

// Reductions of the middle axis of [outer, n, inner] (kernels/reduce.cu).
public sealed unsafe partial class CudaBackend
{
    /// <summary>Threads per row of the inner == 1 kernel; a short row gets just enough warps.</summary>
    private const int RowBlockSize = 256;

    /// <summary>Block shape of the inner > 1 kernel: 32 adjacent columns by 8 slices of the reduced axis (COLUMN_TILE, COLUMN_SPLIT).</summary>
    private const int ColumnTile = 32;

    private const int ColumnSplit = 8;

    public void Reduce(ReduceOp op, Tensor x, int outer, int n, int inner, Tensor y, Tensor? indices)
    {
        if (n == 0 && op is ReduceOp.Max or ReduceOp.ArgMax)
            throw new ArgumentException($"{op} over an empty axis of tensor {ShapeUtil.Format(x.Dims)}");
        if (outer == 0 || inner == 0) return;
        var positions = indices is null ? DevicePtr.Null : Ptr(indices);
        if (inner == 1)
        {
            Launcher.Launch(Modules.Get("reduce.cu", "reduce_rows_f32"), new LaunchConfig(outer, LaunchConfig.WarpMultiple(n, RowBlockSize)),
                (int)op, Ptr(x), Ptr(y), positions, n);
            return;
        }
        var config = new LaunchConfig(
            new Dim3((uint)((inner + ColumnTile - 1) / ColumnTile), (uint)Math.Min(outer, LaunchConfig.MaxGridY)),
            new Dim3(ColumnTile, ColumnSplit));
        Launcher.Launch(Modules.Get("reduce.cu", "reduce_cols_f32"), config, (int)op, Ptr(x), Ptr(y), positions, outer, n, inner);
    }
}
