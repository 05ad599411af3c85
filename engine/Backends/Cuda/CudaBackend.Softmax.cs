namespace ClipEngine.Backends.Cuda;

// Softmax and log-softmax of rows (kernels/softmax.cu).
public sealed partial class CudaBackend
{
    public void Softmax(Tensor x, Tensor y, bool log)
    {
        var (rows, n) = (x.Dims[0], x.Dims[1]);
        if (rows == 0 || n == 0) return;
        Launcher.Launch(Modules.Get("softmax.cu", "softmax_forward_f32"), PerRow(rows, n), Ptr(x), Ptr(y), n, log ? 1 : 0);
    }

    public void SoftmaxBackward(Tensor gy, Tensor y, Tensor gx, bool log)
    {
        var (rows, n) = (y.Dims[0], y.Dims[1]);
        if (rows == 0 || n == 0) return;
        Launcher.Launch(Modules.Get("softmax.cu", "softmax_backward_f32"), PerRow(rows, n), Ptr(gy), Ptr(y), Ptr(gx), n, log ? 1 : 0);
    }
}
