using ClipEngine.Backends.Cuda;

namespace ClipEngine.Bench.Kernels;

/// <summary><c>bench -- info</c>: what the real CUDA path finds here (driver, devices, NVRTC, cuBLAS), or why not.</summary>
public static class InfoVerb
{
    public static int Run(string[] args)
    {
        Console.Write(CudaDiagnostics.Report());
        return 0;
    }
}
