using ClipEngine.Backends;
using ClipEngine.Backends.Cuda;

namespace ClipEngine.Tests.Cuda;

/// <summary>Receives a launch with its kernelParams, while they are still valid.</summary>
public unsafe delegate void LaunchObserver(CudaFunction function, Dim3 grid, Dim3 block, int sharedBytes, nint stream, void** arguments);

/// <summary>
/// A driver without a device, for the runtime logic above ICudaDriver: allocations are numbered addresses (no memory
/// behind them) counted against <see cref="Capacity"/>, so tests can count driver calls and run out of memory; launches
/// go to <see cref="OnLaunch"/>; modules hand out one handle per function name.
/// </summary>
public sealed unsafe class FakeCudaDriver : ICudaDriver
{
    private readonly Dictionary<ulong, long> _live = [];
    private ulong _next = 0x1000_0000;
    private nint _nextHandle = 1;

    public FakeCudaDriver(long capacity = 1L << 30) => Capacity = capacity;

    public long Capacity { get; set; }

    public long InUse { get; private set; }

    public int Allocs { get; private set; }

    public int Frees { get; private set; }

    public int ModuleLoads { get; private set; }

    public List<string> DestroyedStreams { get; } = [];

    public LaunchObserver? OnLaunch { get; set; }

    public string Kind => "fake";

    public CudaDeviceInfo Device { get; } = new("Fake GPU", 9, 0, 4, 1L << 30, 1024, 48 << 10, 227 << 10, 32, "fake");

    public DevicePtr Alloc(long bytes)
    {
        lock (_live)
        {
            if (InUse + bytes > Capacity)
                throw new CudaOutOfMemoryException($"fake: {bytes} bytes requested, {Capacity - InUse} free", bytes);
            var address = _next;
            _next += (ulong)(bytes + 255) / 256 * 256 + 256;
            _live.Add(address, bytes);
            InUse += bytes;
            Allocs++;
            return new DevicePtr(address);
        }
    }

    public void Free(DevicePtr pointer)
    {
        lock (_live)
        {
            if (!_live.Remove(pointer.Address, out var bytes)) throw new InvalidOperationException($"fake: free of unknown {pointer}");
            InUse -= bytes;
            Frees++;
        }
    }

    public (long Free, long Total) MemoryInfo() => (Capacity - InUse, Capacity);

    public void* AllocHost(long bytes) => throw new NotSupportedException();

    public void FreeHost(void* pointer) => throw new NotSupportedException();

    public nint CreateStream() => _nextHandle++;

    public void DestroyStream(nint stream) => DestroyedStreams.Add($"stream {stream}");

    public void SynchronizeStream(nint stream)
    {
    }

    public nint CreateEvent() => _nextHandle++;

    public void DestroyEvent(nint cudaEvent)
    {
    }

    public void RecordEvent(nint cudaEvent, nint stream)
    {
    }

    public void SynchronizeEvent(nint cudaEvent)
    {
    }

    public float ElapsedMilliseconds(nint start, nint end) => end - start;

    public void MemsetAsync(DevicePtr destination, byte value, long bytes, nint stream)
    {
    }

    public void CopyHostToDevice(DevicePtr destination, void* source, long bytes, nint stream)
    {
    }

    public void CopyDeviceToHost(void* destination, DevicePtr source, long bytes, nint stream)
    {
    }

    public void CopyHostToDeviceAsync(DevicePtr destination, void* source, long bytes, nint stream)
    {
    }

    public void CopyDeviceToHostAsync(void* destination, DevicePtr source, long bytes, nint stream)
    {
    }

    public void CopyDeviceToDevice(DevicePtr destination, DevicePtr source, long bytes, nint stream)
    {
    }

    public ICudaModule LoadModule(KernelSource source)
    {
        ModuleLoads++;
        return new FakeModule(source.Name);
    }

    public void SetMaxDynamicSharedMemory(CudaFunction function, int bytes)
    {
    }

    public int MaxActiveBlocksPerMultiprocessor(CudaFunction function, int blockSize, int dynamicSharedBytes) => 1;

    public void Launch(CudaFunction function, Dim3 grid, Dim3 block, int dynamicSharedBytes, nint stream, void** arguments) =>
        OnLaunch?.Invoke(function, grid, block, dynamicSharedBytes, stream, arguments);

    public void Gemm(in GemmShape shape, DType inputType, DType outputType, float alpha, DevicePtr a, DevicePtr b, float beta, DevicePtr c, nint stream) =>
        throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class FakeModule(string file) : ICudaModule
    {
        public CudaFunction GetFunction(string name) => new(name.GetHashCode(), $"{file}:{name}");

        public void Dispose()
        {
        }
    }
}
