namespace ClipEngine.Backends.Cuda;

/// <summary>
/// The few things the Cuda backend needs from a CUDA driver. Two implementations: the real one (libcuda, NVRTC and
/// cuBLAS through P/Invoke) and the emulated one (host memory, the same kernel sources built with g++ against
/// kernels/emu, GEMMs on the Cpu backend's SGEMM), so every line of the backend above this interface runs in CI.
/// Streams and events are opaque handles; <see cref="nint.Zero"/> is the default stream.
/// </summary>
public unsafe interface ICudaDriver : IDisposable
{
    /// <summary>"cuda" for the real driver, "emulated" for the CPU emulation.</summary>
    string Kind { get; }

    CudaDeviceInfo Device { get; }

    // ---- memory ----
    /// <summary>Device memory, at least 256-byte aligned; throws <see cref="CudaOutOfMemoryException"/> when none is left.</summary>
    DevicePtr Alloc(long bytes);

    void Free(DevicePtr pointer);

    /// <summary>Free and total device memory in bytes, as the driver sees them.</summary>
    (long Free, long Total) MemoryInfo();

    /// <summary>Page-locked host memory, for asynchronous copies.</summary>
    void* AllocHost(long bytes);

    void FreeHost(void* pointer);

    // ---- streams and events ----
    nint CreateStream();

    void DestroyStream(nint stream);

    void SynchronizeStream(nint stream);

    nint CreateEvent();

    void DestroyEvent(nint cudaEvent);

    void RecordEvent(nint cudaEvent, nint stream);

    void SynchronizeEvent(nint cudaEvent);

    /// <summary>Milliseconds between two recorded, completed events.</summary>
    float ElapsedMilliseconds(nint start, nint end);

    // ---- copies (ordered after earlier work on the stream) ----
    void MemsetAsync(DevicePtr destination, byte value, long bytes, nint stream);

    /// <summary>Returns when the data has left <paramref name="source"/>, which may then be reused.</summary>
    void CopyHostToDevice(DevicePtr destination, void* source, long bytes, nint stream);

    /// <summary>Returns when the data is in <paramref name="destination"/>.</summary>
    void CopyDeviceToHost(void* destination, DevicePtr source, long bytes, nint stream);

    /// <summary>Asynchronous: <paramref name="source"/> must be pinned (<see cref="AllocHost"/>) and stay valid until the stream passes.</summary>
    void CopyHostToDeviceAsync(DevicePtr destination, void* source, long bytes, nint stream);

    /// <summary>Asynchronous: <paramref name="destination"/> must be pinned and is valid once the stream passes.</summary>
    void CopyDeviceToHostAsync(void* destination, DevicePtr source, long bytes, nint stream);

    void CopyDeviceToDevice(DevicePtr destination, DevicePtr source, long bytes, nint stream);

    // ---- kernels ----
    /// <summary>
    /// Compiles (through the on-disk <see cref="KernelCache"/>) and loads one kernel source file. Compile errors
    /// throw <see cref="CudaCompileException"/> with the compiler's log, which names file and line.
    /// </summary>
    ICudaModule LoadModule(KernelSource source);

    /// <summary>Allows a kernel more than 48 KiB of dynamic shared memory (cuFuncSetAttribute).</summary>
    void SetMaxDynamicSharedMemory(CudaFunction function, int bytes);

    /// <summary>Active blocks per SM for this kernel at this block size and dynamic shared memory.</summary>
    int MaxActiveBlocksPerMultiprocessor(CudaFunction function, int blockSize, int dynamicSharedBytes);

    /// <summary>
    /// Launches a kernel; <paramref name="arguments"/> points at one pointer per kernel parameter, each to that
    /// parameter's value (cuLaunchKernel's kernelParams).
    /// </summary>
    void Launch(CudaFunction function, Dim3 grid, Dim3 block, int dynamicSharedBytes, nint stream, void** arguments);

    // ---- GEMM ----
    /// <summary>
    /// Row-major strided batched GEMM with fp32 accumulation: C = alpha · op(A) · op(B) + beta · C.
    /// A and B are <paramref name="inputType"/> (F32 or BF16), C is <paramref name="outputType"/> (F32 or BF16).
    /// </summary>
    void Gemm(in GemmShape shape, DType inputType, DType outputType, float alpha, DevicePtr a, DevicePtr b, float beta, DevicePtr c, nint stream);
}

/// <summary>A loaded module; disposing unloads it.</summary>
public interface ICudaModule : IDisposable
{
    /// <summary>The <c>extern "C" __global__</c> function of this name; throws naming the module when absent.</summary>
    CudaFunction GetFunction(string name);
}
