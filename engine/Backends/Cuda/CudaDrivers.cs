using ClipEngine.Backends.Cuda.Emulated;

namespace ClipEngine.Backends.Cuda;

/// <summary>
/// The driver a "cuda:N" device runs on unless <see cref="CudaBackend.UseDriver"/> says otherwise: the real one
/// (libcuda, NVRTC, cuBLAS), or, with <c>CLIPENGINE_CUDA_DRIVER=emulated</c>, the CPU emulation of the CUDA
/// execution model — slow, but it runs every kernel on a machine without a GPU.
/// </summary>
public static class CudaDrivers
{
    public const string EnvironmentVariable = "CLIPENGINE_CUDA_DRIVER";

    public static ICudaDriver Create(int ordinal) => Environment.GetEnvironmentVariable(EnvironmentVariable) switch
    {
        null or "" or "real" => new CudaDriver(ordinal),
        "emulated" => new EmulatedDriver(),
        var other => throw new ArgumentException($"{EnvironmentVariable}={other}: expected 'real' or 'emulated'"),
    };
}
