namespace ClipEngine.Backends.Cuda;

// The optimizer step (kernels/adamw.cu), bitwise the Cpu backend's: same float constants, same order of operations.
public sealed partial class CudaBackend
{
    public void AdamWStep(Tensor param, Tensor grad, Tensor m, Tensor v, in AdamWStepArgs args)
    {
        var n = param.NumEl;
        if (n == 0) return;
        Launcher.Launch(Modules.Get("adamw.cu", "adamw_step_f32"), LaunchConfig.GridStride((n + 3) / 4, _maxBlocks),
            Ptr(param), Ptr(grad), Ptr(m), Ptr(v), n, new AdamWCoefficients(args));
    }
}
