namespace ClipEngine.Backends.Cuda;

// Element-wise ops (kernels/elementwise.cu).
public sealed unsafe partial class CudaBackend
{
    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor c)
    {
        var n = c.NumEl;
        if (n == 0) return;
        // Inputs with c's element count differ from it only by size-1 dimensions, so they share its element order.
        if (a.NumEl == n && b.NumEl == n)
        {
            Launcher.Launch(Modules.Get("elementwise.cu", "binary_f32"), LaunchConfig.GridStride((n + 3) / 4, _maxBlocks),
                (int)op, Ptr(a), Ptr(b), Ptr(c), n);
            return;
        }
        var index = BroadcastIndex.Create(a.Dims, b.Dims, c.Dims);
        var smallIndex = Math.Max(n, Math.Max(a.NumEl, b.NumEl)) <= uint.MaxValue ? 1 : 0;
        Launcher.Launch(Modules.Get("elementwise.cu", "binary_f32_broadcast"), LaunchConfig.GridStride(n, _maxBlocks),
            (int)op, Ptr(a), Ptr(b), Ptr(c), n, index, smallIndex);
    }
}
