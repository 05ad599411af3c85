using System.Runtime.InteropServices;

namespace ClipEngine.Backends.Cuda.Interop;

/// <summary>
/// The CUDA driver API entry points the engine uses, bound to the exported symbol names that cuda.h maps its
/// macros to (the _v2 ones where it does). Results are CUresult codes; <see cref="Check"/> turns them into exceptions.
/// </summary>
internal static unsafe partial class CuApi
{
    public const int Success = 0;
    public const int ErrorOutOfMemory = 2;
    public const int ErrorNoDevice = 100;

    // CUdevice_attribute values from cuda.h.
    public const int AttributeMaxThreadsPerBlock = 1;
    public const int AttributeMaxSharedMemoryPerBlock = 8;
    public const int AttributeWarpSize = 10;
    public const int AttributeClockRate = 13;
    public const int AttributeMultiprocessorCount = 16;
    public const int AttributeMemoryClockRate = 36;
    public const int AttributeGlobalMemoryBusWidth = 37;
    public const int AttributeL2CacheSize = 38;
    public const int AttributeComputeCapabilityMajor = 75;
    public const int AttributeComputeCapabilityMinor = 76;
    public const int AttributeMaxSharedMemoryPerBlockOptin = 97;

    // CUfunction_attribute
    public const int FunctionAttributeMaxDynamicSharedSizeBytes = 8;

    static CuApi() => CudaLibraries.EnsureResolver();

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuInit(uint flags);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuDriverGetVersion(out int version);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuGetErrorName(int error, out nint name);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuGetErrorString(int error, out nint text);

    // ---- devices and contexts ----
    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuDeviceGetCount(out int count);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuDeviceGet(out int device, int ordinal);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuDeviceGetName(byte* name, int length, int device);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuDeviceGetAttribute(out int value, int attribute, int device);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuDeviceTotalMem_v2(out nuint bytes, int device);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuDevicePrimaryCtxRetain(out nint context, int device);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuDevicePrimaryCtxRelease_v2(int device);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuCtxSetCurrent(nint context);

    // ---- memory ----
    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuMemAlloc_v2(out ulong pointer, nuint bytes);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuMemFree_v2(ulong pointer);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuMemGetInfo_v2(out nuint free, out nuint total);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuMemAllocHost_v2(out void* pointer, nuint bytes);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuMemFreeHost(void* pointer);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuMemsetD8Async(ulong destination, byte value, nuint count, nint stream);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuMemcpyHtoD_v2(ulong destination, void* source, nuint bytes);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuMemcpyDtoH_v2(void* destination, ulong source, nuint bytes);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuMemcpyHtoDAsync_v2(ulong destination, void* source, nuint bytes, nint stream);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuMemcpyDtoHAsync_v2(void* destination, ulong source, nuint bytes, nint stream);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuMemcpyDtoDAsync_v2(ulong destination, ulong source, nuint bytes, nint stream);

    // ---- streams and events ----
    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuStreamCreate(out nint stream, uint flags);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuStreamDestroy_v2(nint stream);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuStreamSynchronize(nint stream);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuEventCreate(out nint cudaEvent, uint flags);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuEventDestroy_v2(nint cudaEvent);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuEventRecord(nint cudaEvent, nint stream);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuEventSynchronize(nint cudaEvent);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuEventElapsedTime(out float milliseconds, nint start, nint end);

    // ---- modules and launches ----
    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuModuleLoadData(out nint module, void* image);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuModuleUnload(nint module);

    [LibraryImport(CudaLibraries.CudaName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int cuModuleGetFunction(out nint function, nint module, string name);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuLaunchKernel(nint function, uint gridX, uint gridY, uint gridZ,
        uint blockX, uint blockY, uint blockZ, uint sharedMemBytes, nint stream, void** kernelParams, void** extra);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuFuncSetAttribute(nint function, int attribute, int value);

    [LibraryImport(CudaLibraries.CudaName)]
    public static partial int cuOccupancyMaxActiveBlocksPerMultiprocessor(out int blocks, nint function, int blockSize, nuint dynamicSharedBytes);

    /// <summary>Throws a <see cref="CudaException"/> naming the call and the error unless <paramref name="result"/> is success.</summary>
    public static void Check(int result, string call)
    {
        if (result != Success) throw Error(result, call);
    }

    /// <summary>As <see cref="Check(int, string)"/>, naming the byte count too; the message is built only on failure.</summary>
    public static void Check(int result, string call, long bytes)
    {
        if (result != Success) throw Error(result, $"{call}({bytes} bytes)");
    }

    /// <summary>
    /// The exception for a failed call. Hot paths test the result themselves and build <paramref name="call"/>'s
    /// details (sizes, launch shape) only on failure: <c>if (r != Success) throw Error(r, $"…")</c>.
    /// </summary>
    public static CudaException Error(int result, string call) => new($"{call} failed: {Describe(result)}");

    /// <summary>"CUDA_ERROR_X (text)" from the driver, or the number when the driver cannot say.</summary>
    public static string Describe(int result)
    {
        var name = cuGetErrorName(result, out var namePointer) == Success ? Marshal.PtrToStringUTF8(namePointer) : null;
        var text = cuGetErrorString(result, out var textPointer) == Success ? Marshal.PtrToStringUTF8(textPointer) : null;
        return $"{name ?? $"CUresult {result}"}{(text is null ? "" : $" ({text})")}";
    }
}
