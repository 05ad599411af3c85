namespace ClipEngine.Backends.Cuda;

// Row-wise L2 normalisation (kernels/l2norm.cu).
public sealed partial class CudaBackend
{
    public void L2Normalize(Tensor x, float eps, Tensor y, Tensor norms)
    {
        var (rows, d) = (x.Dims[0], x.Dims[1]);
        if (rows == 0) return;
        Launcher.Launch(Modules.Get("l2norm.cu", "l2norm_forward_f32"), PerRow(rows, d), Ptr(x), eps, Ptr(y), Ptr(norms), d);
    }

    public void L2NormalizeBackward(Tensor gy, Tensor y, Tensor norms, float eps, Tensor gx)
    {
        var (rows, d) = (y.Dims[0], y.Dims[1]);
        if (rows == 0 || d == 0) return;
        Launcher.Launch(Modules.Get("l2norm.cu", "l2norm_backward_f32"), PerRow(rows, d), Ptr(gy), Ptr(y), Ptr(norms), eps, Ptr(gx), d);
    }
}
