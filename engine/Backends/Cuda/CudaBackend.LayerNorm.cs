namespace ClipEngine.Backends.Cuda;

// Layer norm forward and backward (kernels/layernorm.cu).
public sealed partial class CudaBackend
{
    /// <summary>The fewest rows a chunk of the gWeight/gBias column sums gets: fewer would make the final pass the longer one.</summary>
    private const int MinChunkRows = 64;

    public void LayerNorm(Tensor x, Tensor? weight, Tensor? bias, float eps, Tensor y, Tensor mean, Tensor rstd)
    {
        var (rows, d) = (x.Dims[0], x.Dims[1]);
        if (rows == 0 || d == 0) return;
        Launcher.Launch(Modules.Get("layernorm.cu", "layernorm_forward_f32"), PerRow(rows, d),
            Ptr(x), PtrOrNull(weight), PtrOrNull(bias), eps, Ptr(y), Ptr(mean), Ptr(rstd), d);
    }

    public void LayerNormBackward(Tensor gy, Tensor x, Tensor? weight, Tensor mean, Tensor rstd, Tensor gx, Tensor? gWeight, Tensor? gBias)
    {
        var (rows, d) = (x.Dims[0], x.Dims[1]);
        if (d == 0) return;
        if (rows > 0)
        {
            Launcher.Launch(Modules.Get("layernorm.cu", "layernorm_backward_input_f32"), PerRow(rows, d),
                Ptr(gy), Ptr(x), PtrOrNull(weight), Ptr(mean), Ptr(rstd), Ptr(gx), d);
        }
        if (gWeight is null && gBias is null) return;

        // Enough row chunks to fill the device once with column tiles, each chunk at least MinChunkRows rows.
        var tiles = (d + ColumnTile - 1) / ColumnTile;
        var chunkLimit = Math.Max(1, _maxBlocks / tiles);
        var chunkRows = Math.Max(MinChunkRows, (rows + chunkLimit - 1) / chunkLimit);
        var chunks = Math.Max(1, (rows + chunkRows - 1) / chunkRows);
        var partialBytes = (long)chunks * d * sizeof(float);
        using var partials = AllocateScratch(2 * partialBytes);
        var partialWeight = gWeight is null ? DevicePtr.Null : partials.Pointer;
        var partialBias = gBias is null ? DevicePtr.Null : partials.Pointer.Offset(partialBytes);
        Launcher.Launch(Modules.Get("layernorm.cu", "layernorm_backward_params_partial_f32"),
            new LaunchConfig(new Dim3((uint)tiles, (uint)chunks), new Dim3(ColumnTile, ColumnSplit)),
            Ptr(gy), Ptr(x), Ptr(mean), Ptr(rstd), partialWeight, partialBias, rows, d, chunkRows);
        Launcher.Launch(Modules.Get("layernorm.cu", "layernorm_backward_params_final_f32"), LaunchConfig.GridStride(d, _maxBlocks),
            partialWeight, partialBias, PtrOrNull(gWeight), PtrOrNull(gBias), chunks, d);
    }
}
