namespace ClipEngine.Backends.Cuda;

// Index-driven moves (kernels/gather.cu). The indices are on the device, so the kernels check them and report bad
// positions in a status slot (CudaBackend.IndexChecks): a bad index is an error naming it, as on the Cpu backend,
// raised when the host next waits for the device instead of at once.
public sealed unsafe partial class CudaBackend
{
    /// <summary>Threads per block along a row of the row kernels: a row of up to 256 words is one block.</summary>
    private const int RowCopyBlockSize = 256;

    public void GatherRows(Tensor table, Tensor indices, Tensor y)
    {
        var wide = IndexWidth(indices);
        var count = indices.NumEl;
        if (count == 0) return;
        var rows = table.Dims[0];
        var rowBytes = rows == 0 ? 0 : table.NumEl / rows * table.DType.SizeInBytes();
        // The widest word that divides both base addresses and the row (in bytes); dtypes are 2 bytes or more.
        var alignment = Ptr(table).Address | Ptr(y).Address | (ulong)rowBytes;
        var word = (alignment & 7) == 0 ? 8 : (alignment & 3) == 0 ? 4 : 2;
        var kernel = word switch { 8 => "gather_rows_u64", 4 => "gather_rows_u32", _ => "gather_rows_u16" };
        long width = rowBytes / word;
        LaunchCheckingIndices("GatherRows", indices, $"for a table of {rows} rows", status =>
            Launcher.Launch(Modules.Get("gather.cu", kernel), RowConfig(width, count),
                Ptr(table), (long)rows, Ptr(indices), wide, Ptr(y), count, width, status));
    }

    public void ScatterAddRows(Tensor gy, Tensor indices, Tensor gTable)
    {
        var wide = IndexWidth(indices);
        var count = indices.NumEl;
        if (count == 0) return;
        var rows = gTable.Dims[0];
        long width = rows == 0 ? 0 : gTable.NumEl / rows;
        LaunchCheckingIndices("ScatterAddRows", indices, $"for a table of {rows} rows", status =>
            Launcher.Launch(Modules.Get("gather.cu", "scatter_add_rows_f32"), RowConfig(width, count),
                Ptr(gy), Ptr(indices), wide, Ptr(gTable), (long)rows, count, width, status));
    }

    public void ScatterAlongAxis(Tensor values, Tensor indices, int outer, int n, int inner, Tensor destination)
    {
        indices.ThrowIfNotDType(DType.I64, "ScatterAlongAxis indices");
        var bytes = ByteLength(destination);
        if (bytes > 0) Driver.MemsetAsync(Ptr(destination), 0, bytes, Stream);
        var count = (long)outer * inner;
        if (count == 0) return;
        LaunchCheckingIndices("ScatterAlongAxis", indices, $"for an axis of size {n}", status =>
            Launcher.Launch(Modules.Get("gather.cu", "scatter_along_axis_f32"), LaunchConfig.GridStride(count, _maxBlocks),
                Ptr(values), Ptr(indices), Ptr(destination), (long)outer, (long)n, (long)inner, status));
    }

    /// <summary>1 for I64 indices, 0 for I32 (the kernels' wide flag); other dtypes are refused as the Cpu backend does.</summary>
    private static int IndexWidth(Tensor indices) => indices.DType switch
    {
        DType.I64 => 1,
        DType.I32 => 0,
        _ => throw new ArgumentException($"row indices must be I32 or I64, not {indices.DType}"),
    };

    /// <summary>The row kernels' launch: threads along a row of <paramref name="width"/> words, grid.y along the <paramref name="count"/> rows.</summary>
    private LaunchConfig RowConfig(long width, long count)
    {
        var block = LaunchConfig.WarpMultiple(width, RowCopyBlockSize);
        return new LaunchConfig(
            new Dim3((uint)Math.Clamp((width + block - 1) / block, 1, _maxBlocks), (uint)Math.Min(count, LaunchConfig.MaxGridY)),
            block);
    }
}
