using System.Runtime.InteropServices;

namespace ClipEngine.Backends.Cuda.Interop;

/// <summary>The NVRTC entry points the engine uses. Results are nvrtcResult codes.</summary>
internal static unsafe partial class NvrtcApi
{
    public const int Success = 0;
    public const int ErrorCompilation = 6;

    static NvrtcApi() => CudaLibraries.EnsureResolver();

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcVersion(out int major, out int minor);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcGetNumSupportedArchs(out int count);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcGetSupportedArchs(int* archs);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial nint nvrtcGetErrorString(int result);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcCreateProgram(out nint program, byte* source, byte* name, int headerCount,
        byte** headers, byte** includeNames);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcDestroyProgram(ref nint program);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcCompileProgram(nint program, int optionCount, byte** options);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcGetProgramLogSize(nint program, out nuint size);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcGetProgramLog(nint program, byte* log);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcGetPTXSize(nint program, out nuint size);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcGetPTX(nint program, byte* ptx);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcGetCUBINSize(nint program, out nuint size);

    [LibraryImport(CudaLibraries.NvrtcName)]
    public static partial int nvrtcGetCUBIN(nint program, byte* cubin);

    public static void Check(int result, string call)
    {
        if (result != Success)
            throw new CudaException($"{call} failed: {Marshal.PtrToStringUTF8(nvrtcGetErrorString(result)) ?? $"nvrtcResult {result}"}");
    }
}
