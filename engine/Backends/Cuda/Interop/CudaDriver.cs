using ClipEngine.Backends.Cuda.Interop;

namespace ClipEngine.Backends.Cuda;

/// <summary>
/// The real <see cref="ICudaDriver"/>: libcuda for one device's primary context, NVRTC (through
/// <see cref="KernelCache"/>) for kernels, cuBLAS for GEMMs. Any thread may call it: each call makes the context
/// current on the calling thread first. Streams it creates are blocking streams, so the synchronous copies, which
/// run on the legacy default stream, are ordered after the work already queued on them.
/// </summary>
public sealed unsafe class CudaDriver : ICudaDriver
{
    // cuBLAS's recommended workspace on Hopper; also enough for every smaller arch.
    private const long CublasWorkspaceBytes = 32L << 20;

    private static long s_lastInstance;

    // Which driver instance last made its context current on this thread. An instance id, not the context handle:
    // a primary context released and retained again may come back at the same address.
    [ThreadStatic]
    private static long t_currentInstance;

    private readonly long _instance = Interlocked.Increment(ref s_lastInstance);
    private readonly int _device;
    private readonly Lock _cublasLock = new();
    private nint _context;
    private nint _cublas;
    private DevicePtr _cublasWorkspace;
    private nint _cublasStream;
    private bool? _cublasTf32;

    /// <summary>Opens device <paramref name="ordinal"/>; throws a <see cref="CudaException"/> saying why when it cannot.</summary>
    public CudaDriver(int ordinal = 0)
    {
        CudaDevice.RequireAvailable();
        Device = CudaDevice.GetInfo(ordinal);
        CuApi.Check(CuApi.cuDeviceGet(out _device, ordinal), "cuDeviceGet");
        CuApi.Check(CuApi.cuDevicePrimaryCtxRetain(out _context, _device), "cuDevicePrimaryCtxRetain");
        MakeCurrent();
    }

    public string Kind => "cuda";

    public CudaDeviceInfo Device { get; }

    /// <summary>
    /// Lets F32 GEMMs use TF32 tensor cores (10-bit mantissa inputs, fp32 accumulation). Off by default: with it,
    /// results differ from the Cpu backend by about 1e-3 relative. BF16 GEMMs use tensor cores either way.
    /// </summary>
    public bool AllowTf32 { get; set; }

    // ---- memory ----
    public DevicePtr Alloc(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        MakeCurrent();
        // cuMemAlloc rejects 0 bytes; a 1-byte block keeps every allocation a distinct, freeable pointer.
        var result = CuApi.cuMemAlloc_v2(out var pointer, (nuint)Math.Max(bytes, 1));
        if (result == CuApi.ErrorOutOfMemory)
        {
            var (free, total) = MemoryInfo();
            throw new CudaOutOfMemoryException(
                $"out of memory on {Device.Name}: cuMemAlloc_v2 of {bytes} bytes failed with {free} of {total} bytes free", bytes);
        }
        CuApi.Check(result, "cuMemAlloc_v2", bytes);
        return new DevicePtr(pointer);
    }

    public void Free(DevicePtr pointer)
    {
        if (pointer.IsNull) return;
        MakeCurrent();
        CuApi.Check(CuApi.cuMemFree_v2(pointer.Address), "cuMemFree_v2");
    }

    public (long Free, long Total) MemoryInfo()
    {
        MakeCurrent();
        CuApi.Check(CuApi.cuMemGetInfo_v2(out var free, out var total), "cuMemGetInfo_v2");
        return ((long)free, (long)total);
    }

    public void* AllocHost(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        MakeCurrent();
        CuApi.Check(CuApi.cuMemAllocHost_v2(out var pointer, (nuint)Math.Max(bytes, 1)), "cuMemAllocHost_v2", bytes);
        return pointer;
    }

    public void FreeHost(void* pointer)
    {
        if (pointer == null) return;
        MakeCurrent();
        CuApi.Check(CuApi.cuMemFreeHost(pointer), "cuMemFreeHost");
    }

    // ---- streams and events ----
    public nint CreateStream()
    {
        MakeCurrent();
        CuApi.Check(CuApi.cuStreamCreate(out var stream, 0), "cuStreamCreate");
        return stream;
    }

    public void DestroyStream(nint stream)
    {
        MakeCurrent();
        CuApi.Check(CuApi.cuStreamDestroy_v2(stream), "cuStreamDestroy_v2");
    }

    public void SynchronizeStream(nint stream)
    {
        MakeCurrent();
        CuApi.Check(CuApi.cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    public nint CreateEvent()
    {
        MakeCurrent();
        CuApi.Check(CuApi.cuEventCreate(out var cudaEvent, 0), "cuEventCreate");
        return cudaEvent;
    }

    public void DestroyEvent(nint cudaEvent)
    {
        MakeCurrent();
        CuApi.Check(CuApi.cuEventDestroy_v2(cudaEvent), "cuEventDestroy_v2");
    }

    public void RecordEvent(nint cudaEvent, nint stream)
    {
        MakeCurrent();
        CuApi.Check(CuApi.cuEventRecord(cudaEvent, stream), "cuEventRecord");
    }

    public void SynchronizeEvent(nint cudaEvent)
    {
        MakeCurrent();
        CuApi.Check(CuApi.cuEventSynchronize(cudaEvent), "cuEventSynchronize");
    }

    public float ElapsedMilliseconds(nint start, nint end)
    {
        MakeCurrent();
        CuApi.Check(CuApi.cuEventElapsedTime(out var milliseconds, start, end), "cuEventElapsedTime");
        return milliseconds;
    }

    // ---- copies ----
    public void MemsetAsync(DevicePtr destination, byte value, long bytes, nint stream)
    {
        MakeCurrent();
        CuApi.Check(CuApi.cuMemsetD8Async(destination.Address, value, (nuint)bytes, stream), "cuMemsetD8Async", bytes);
    }

    public void CopyHostToDevice(DevicePtr destination, void* source, long bytes, nint stream)
    {
        MakeCurrent();
        CuApi.Check(CuApi.cuMemcpyHtoD_v2(destination.Address, source, (nuint)bytes), "cuMemcpyHtoD_v2", bytes);
    }

    public void CopyDeviceToHost(void* destination, DevicePtr source, long bytes, nint stream)
    {
        MakeCurrent();
        CuApi.Check(CuApi.cuMemcpyDtoH_v2(destination, source.Address, (nuint)bytes), "cuMemcpyDtoH_v2", bytes);
    }

    public void CopyHostToDeviceAsync(DevicePtr destination, void* source, long bytes, nint stream)
    {
        MakeCurrent();
        CuApi.Check(CuApi.cuMemcpyHtoDAsync_v2(destination.Address, source, (nuint)bytes, stream), "cuMemcpyHtoDAsync_v2", bytes);
    }

    public void CopyDeviceToHostAsync(void* destination, DevicePtr source, long bytes, nint stream)
    {
        MakeCurrent();
        CuApi.Check(CuApi.cuMemcpyDtoHAsync_v2(destination, source.Address, (nuint)bytes, stream), "cuMemcpyDtoHAsync_v2", bytes);
    }

    public void CopyDeviceToDevice(DevicePtr destination, DevicePtr source, long bytes, nint stream)
    {
        MakeCurrent();
        CuApi.Check(CuApi.cuMemcpyDtoDAsync_v2(destination.Address, source.Address, (nuint)bytes, stream), "cuMemcpyDtoDAsync_v2", bytes);
    }

    // ---- kernels ----
    /// <summary>
    /// Compiles for this device's own sm_XY (a cubin), or, when NVRTC is older than the device, PTX for the newest arch
    /// it knows, which the driver compiles on load; see <see cref="NvrtcCompiler.TargetFor"/>.
    /// </summary>
    public ICudaModule LoadModule(KernelSource source)
    {
        var target = NvrtcCompiler.TargetFor(Device.ComputeCapabilityMajor * 10 + Device.ComputeCapabilityMinor);
        var isCubin = target.StartsWith("sm_", StringComparison.Ordinal);
        var key = KernelCache.Key(source, NvrtcCompiler.Identity, [target, .. NvrtcCompiler.DefaultOptions]);
        var path = KernelCache.GetOrBuild(source.Name, key, isCubin ? ".cubin" : ".ptx",
            temporary => File.WriteAllBytes(temporary, NvrtcCompiler.Compile(source, target).Image));
        var image = File.ReadAllBytes(path);
        MakeCurrent();
        nint module;
        fixed (byte* pointer = image) CuApi.Check(CuApi.cuModuleLoadData(out module, pointer), $"cuModuleLoadData({source.Name}, {path})");
        return new CudaModule(this, module, source.Name);
    }

    public void SetMaxDynamicSharedMemory(CudaFunction function, int bytes)
    {
        MakeCurrent();
        var result = CuApi.cuFuncSetAttribute(function.Handle, CuApi.FunctionAttributeMaxDynamicSharedSizeBytes, bytes);
        if (result != CuApi.Success) throw CuApi.Error(result, $"cuFuncSetAttribute({function.Name}, max dynamic shared memory = {bytes})");
    }

    public int MaxActiveBlocksPerMultiprocessor(CudaFunction function, int blockSize, int dynamicSharedBytes)
    {
        MakeCurrent();
        var result = CuApi.cuOccupancyMaxActiveBlocksPerMultiprocessor(out var blocks, function.Handle, blockSize, (nuint)dynamicSharedBytes);
        if (result != CuApi.Success) throw CuApi.Error(result, $"cuOccupancyMaxActiveBlocksPerMultiprocessor({function.Name})");
        return blocks;
    }

    public void Launch(CudaFunction function, Dim3 grid, Dim3 block, int dynamicSharedBytes, nint stream, void** arguments)
    {
        MakeCurrent();
        var result = CuApi.cuLaunchKernel(function.Handle, grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z,
            (uint)dynamicSharedBytes, stream, arguments, null);
        if (result != CuApi.Success) throw CuApi.Error(result, $"cuLaunchKernel({function.Name}, grid {grid.X}x{grid.Y}x{grid.Z}, block {block.X}x{block.Y}x{block.Z}, {dynamicSharedBytes} B shared)");
    }

    // ---- GEMM ----
    public void Gemm(in GemmShape shape, DType inputType, DType outputType, float alpha, DevicePtr a, DevicePtr b, float beta, DevicePtr c, nint stream)
    {
        var inputData = CublasDataType(inputType, nameof(inputType));
        var outputData = CublasDataType(outputType, nameof(outputType));
        var g = CublasGemm.FromRowMajor(shape);
        lock (_cublasLock)
        {
            var handle = CublasFor(stream);
            var compute = inputType == DType.F32 && AllowTf32 ? CublasApi.Compute32FFastTf32 : CublasApi.Compute32F;
            var transFirst = g.TransFirst ? CublasApi.OpT : CublasApi.OpN;
            var transSecond = g.TransSecond ? CublasApi.OpT : CublasApi.OpN;
            var result = g.Batch == 1
                ? CublasApi.cublasGemmEx(handle, transFirst, transSecond, g.M, g.N, g.K,
                    &alpha, b.Address, inputData, g.LdFirst, a.Address, inputData, g.LdSecond,
                    &beta, c.Address, outputData, g.Ldc, compute, CublasApi.GemmDefault)
                : CublasApi.cublasGemmStridedBatchedEx(handle, transFirst, transSecond, g.M, g.N, g.K,
                    &alpha, b.Address, inputData, g.LdFirst, g.StrideFirst, a.Address, inputData, g.LdSecond, g.StrideSecond,
                    &beta, c.Address, outputData, g.Ldc, g.StrideC, g.Batch, compute, CublasApi.GemmDefault);
            if (result != CublasApi.Success)
                throw CublasApi.Error(result, $"{(g.Batch == 1 ? "cublasGemmEx" : "cublasGemmStridedBatchedEx")}({shape}, {inputType} -> {outputType})");
        }
    }

    public void Dispose()
    {
        if (_context == 0) return;
        MakeCurrent();
        if (_cublas != 0) CublasApi.Check(CublasApi.cublasDestroy_v2(_cublas), "cublasDestroy_v2");
        Free(_cublasWorkspace);
        CuApi.Check(CuApi.cuDevicePrimaryCtxRelease_v2(_device), "cuDevicePrimaryCtxRelease_v2");
        _context = 0;
        t_currentInstance = 0;
    }

    /// <summary>Makes this driver's context current on the calling thread (a no-op when it already is).</summary>
    internal void MakeCurrent()
    {
        ObjectDisposedException.ThrowIf(_context == 0, this);
        if (t_currentInstance == _instance) return;
        CuApi.Check(CuApi.cuCtxSetCurrent(_context), "cuCtxSetCurrent");
        t_currentInstance = _instance;
    }

    // The handle is created on first use (a driver that only runs kernels never needs libcublas) and follows the
    // caller's stream; cublasSetStream drops a user workspace, so the workspace is set again after it.
    private nint CublasFor(nint stream)
    {
        MakeCurrent();
        if (_cublas == 0)
        {
            CudaLibraries.Cublas.Require();
            CublasApi.Check(CublasApi.cublasCreate_v2(out _cublas), "cublasCreate_v2");
            _cublasWorkspace = Alloc(CublasWorkspaceBytes);
            _cublasStream = -1;
        }
        if (_cublasStream != stream)
        {
            CublasApi.Check(CublasApi.cublasSetStream_v2(_cublas, stream), "cublasSetStream_v2");
            CublasApi.Check(CublasApi.cublasSetWorkspace_v2(_cublas, _cublasWorkspace.Address, (nuint)CublasWorkspaceBytes), "cublasSetWorkspace_v2");
            _cublasStream = stream;
        }
        if (_cublasTf32 != AllowTf32)
        {
            CublasApi.Check(CublasApi.cublasSetMathMode(_cublas, AllowTf32 ? CublasApi.Tf32TensorOpMath : CublasApi.DefaultMath), "cublasSetMathMode");
            _cublasTf32 = AllowTf32;
        }
        return _cublas;
    }

    private static int CublasDataType(DType type, string parameter) => type switch
    {
        DType.F32 => CublasApi.DataR32F,
        DType.BF16 => CublasApi.DataR16BF,
        _ => throw new ArgumentException($"cuBLAS GEMMs take F32 or BF16, got {type}", parameter),
    };
}
