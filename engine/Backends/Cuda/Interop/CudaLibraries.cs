using System.Reflection;
using System.Runtime.InteropServices;

namespace ClipEngine.Backends.Cuda.Interop;

/// <summary>
/// The three native libraries of the real CUDA path and the engine assembly's one DllImport resolver, which maps
/// the logical names used by the bindings ("cuda", "nvrtc", "cublas") to the probed files. Every binding class
/// calls <see cref="EnsureResolver"/> from its static constructor, so the resolver is in place before the first
/// native call binds; nothing here loads or throws at type-load time.
/// </summary>
internal static class CudaLibraries
{
    public const string CudaName = "cuda";
    public const string NvrtcName = "nvrtc";
    public const string CublasName = "cublas";

    public static readonly NativeLibraryProbe Cuda = new(
        "libcuda (CUDA driver)", "CLIPENGINE_LIBCUDA",
        ["libcuda.so.1", "libcuda.so"],
        ["nvcuda.dll"]);

    public static readonly NativeLibraryProbe Nvrtc = new(
        "libnvrtc (CUDA runtime compiler)", "CLIPENGINE_LIBNVRTC",
        ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"],
        ["nvrtc64_130_0.dll", "nvrtc64_120_0.dll", "nvrtc64_112_0.dll"]);

    public static readonly NativeLibraryProbe Cublas = new(
        "libcublas (cuBLAS)", "CLIPENGINE_LIBCUBLAS",
        ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"],
        ["cublas64_13.dll", "cublas64_12.dll", "cublas64_11.dll"],
        path => path.Replace("cublas", "cublasLt", StringComparison.Ordinal));

    static CudaLibraries() =>
        NativeLibrary.SetDllImportResolver(typeof(CudaLibraries).Assembly, Resolve);

    /// <summary>Runs the static constructor, which installs the resolver; cheap after the first call.</summary>
    public static void EnsureResolver()
    {
    }

    // Returning 0 lets the runtime fall back to its own probing, which then fails with DllNotFoundException; the
    // wrappers call Require() first, so users see the probe's message listing every path instead.
    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) => name switch
    {
        CudaName => Cuda.Handle,
        NvrtcName => Nvrtc.Handle,
        CublasName => Cublas.Handle,
        _ => 0,
    };
}
