using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ClipEngine.Backends.Cuda.Emulated;

/// <summary>
/// An <see cref="ICudaDriver"/> without a GPU, for tests: device memory is host memory, streams run every operation
/// synchronously, kernels are the same kernels/*.cu sources built with g++ against the CUDA emulator in kernels/emu and
/// run on the CPU, and GEMMs run on the Cpu backend's SGEMM. Errors inside a kernel (a divergent barrier, a deadlock,
/// and in <see cref="EmulatedDriverOptions.AddressSanitizer"/> mode an out-of-bounds access) throw
/// <see cref="CudaException"/> naming the kernel, block and thread.
/// </summary>
public sealed unsafe partial class EmulatedDriver : ICudaDriver
{
    internal const int DefaultSharedMemoryPerBlock = 48 * 1024;
    private const int MaxSharedMemoryPerBlockOptin = 227 * 1024;
    private const int MaxThreadsPerBlock = 1024;

    private readonly DeviceMemory memory;
    private readonly EmulatorToolchain toolchain;
    private readonly List<EmulatedFunction> functions = [];
    private readonly HashSet<nint> streams = [];
    private readonly Dictionary<nint, long?> events = [];
    private readonly List<EmulatedModule> modules = [];
    private long nextHandle;
    private bool disposed;

    public EmulatedDriver(EmulatedDriverOptions? options = null)
    {
        Options = options ?? new EmulatedDriverOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.TotalMemory);
        memory = Options.AddressSanitizer ? new SharedArenaMemory(Options.TotalMemory) : new HostHeapMemory(Options.TotalMemory);
        toolchain = new EmulatorToolchain(Options.Compiler, Options.AddressSanitizer);
        Device = new CudaDeviceInfo(
            Name: "ClipEngine emulated device",
            ComputeCapabilityMajor: 9,
            ComputeCapabilityMinor: 0,
            MultiprocessorCount: Environment.ProcessorCount,
            TotalMemory: Options.TotalMemory,
            MaxThreadsPerBlock: MaxThreadsPerBlock,
            MaxSharedMemoryPerBlock: DefaultSharedMemoryPerBlock,
            MaxSharedMemoryPerBlockOptin: MaxSharedMemoryPerBlockOptin,
            WarpSize: 32,
            DriverVersion: Options.AddressSanitizer ? "emulated (AddressSanitizer)" : "emulated")
        {
            // An H100 SXM's, so that code deriving peaks from them sees plausible numbers; no timing here means anything.
            ClockRateKHz = 1_980_000,
            MemoryClockRateKHz = 2_619_000,
            MemoryBusWidthBits = 5120,
            L2CacheBytes = 50 << 20,
        };
    }

    public EmulatedDriverOptions Options { get; }

    public string Kind => "emulated";

    public CudaDeviceInfo Device { get; }

    /// <summary>How many kernel files this driver compiled, i.e. kernel-cache misses.</summary>
    internal int Compilations => toolchain.ModuleCompilations;

    // ---- memory ----
    public DevicePtr Alloc(long bytes) => memory.Alloc(bytes);

    public void Free(DevicePtr pointer) => memory.Release(pointer);

    public (long Free, long Total) MemoryInfo() => (memory.Free, memory.Total);

    public void* AllocHost(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        return NativeMemory.AlignedAlloc((nuint)bytes, DeviceMemory.Alignment);
    }

    public void FreeHost(void* pointer) => NativeMemory.AlignedFree(pointer);

    // ---- streams and events: everything is synchronous, so a stream is only a handle to check ----
    public nint CreateStream()
    {
        lock (streams)
        {
            var stream = (nint)Interlocked.Increment(ref nextHandle);
            streams.Add(stream);
            return stream;
        }
    }

    public void DestroyStream(nint stream)
    {
        lock (streams)
        {
            if (stream == 0 || !streams.Remove(stream)) throw new CudaException($"DestroyStream: {stream} is not a live stream");
        }
    }

    public void SynchronizeStream(nint stream) => CheckStream(stream, nameof(SynchronizeStream));

    public nint CreateEvent()
    {
        lock (events)
        {
            var cudaEvent = (nint)Interlocked.Increment(ref nextHandle);
            events.Add(cudaEvent, null);
            return cudaEvent;
        }
    }

    public void DestroyEvent(nint cudaEvent)
    {
        lock (events)
        {
            if (!events.Remove(cudaEvent)) throw new CudaException($"DestroyEvent: {cudaEvent} is not a live event");
        }
    }

    public void RecordEvent(nint cudaEvent, nint stream)
    {
        CheckStream(stream, nameof(RecordEvent));
        lock (events)
        {
            if (!events.ContainsKey(cudaEvent)) throw new CudaException($"RecordEvent: {cudaEvent} is not a live event");
            events[cudaEvent] = Stopwatch.GetTimestamp();
        }
    }

    public void SynchronizeEvent(nint cudaEvent)
    {
        lock (events)
        {
            if (!events.ContainsKey(cudaEvent)) throw new CudaException($"SynchronizeEvent: {cudaEvent} is not a live event");
        }
    }

    public float ElapsedMilliseconds(nint start, nint end)
    {
        lock (events)
        {
            if (!events.TryGetValue(start, out var from) || !events.TryGetValue(end, out var to) || from is null || to is null)
                throw new CudaException("ElapsedMilliseconds: both events must be live and recorded");
            return (float)Stopwatch.GetElapsedTime(from.Value, to.Value).TotalMilliseconds;
        }
    }

    // ---- copies ----
    public void MemsetAsync(DevicePtr destination, byte value, long bytes, nint stream)
    {
        CheckStream(stream, nameof(MemsetAsync));
        memory.CheckRange(destination, bytes, nameof(MemsetAsync));
        NativeMemory.Fill((void*)destination.Address, (nuint)bytes, value);
    }

    public void CopyHostToDevice(DevicePtr destination, void* source, long bytes, nint stream) =>
        Copy((void*)destination.Address, source, bytes, stream, nameof(CopyHostToDevice), destination, null);

    public void CopyDeviceToHost(void* destination, DevicePtr source, long bytes, nint stream) =>
        Copy(destination, (void*)source.Address, bytes, stream, nameof(CopyDeviceToHost), null, source);

    public void CopyHostToDeviceAsync(DevicePtr destination, void* source, long bytes, nint stream) =>
        Copy((void*)destination.Address, source, bytes, stream, nameof(CopyHostToDeviceAsync), destination, null);

    public void CopyDeviceToHostAsync(void* destination, DevicePtr source, long bytes, nint stream) =>
        Copy(destination, (void*)source.Address, bytes, stream, nameof(CopyDeviceToHostAsync), null, source);

    public void CopyDeviceToDevice(DevicePtr destination, DevicePtr source, long bytes, nint stream) =>
        Copy((void*)destination.Address, (void*)source.Address, bytes, stream, nameof(CopyDeviceToDevice), destination, source);

    private void Copy(void* destination, void* source, long bytes, nint stream, string what, DevicePtr? deviceDestination, DevicePtr? deviceSource)
    {
        CheckStream(stream, what);
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (deviceDestination is { } d) memory.CheckRange(d, bytes, $"{what} destination");
        if (deviceSource is { } s) memory.CheckRange(s, bytes, $"{what} source");
        Buffer.MemoryCopy(source, destination, bytes, bytes);
    }

    // ---- kernels ----
    public ICudaModule LoadModule(KernelSource source)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var image = toolchain.BuildModule(source);
        EmulatedModule module = Options.AddressSanitizer
            ? new SanitizedModule(this, source.Name, image, toolchain.BuildHost(), (SharedArenaMemory)memory)
            : new InProcessModule(this, source.Name, image);
        lock (modules) modules.Add(module);
        return module;
    }

    public void SetMaxDynamicSharedMemory(CudaFunction function, int bytes)
    {
        var f = Lookup(function);
        if (bytes < 0 || bytes > MaxSharedMemoryPerBlockOptin)
            throw new CudaException($"SetMaxDynamicSharedMemory({f.Name}, {bytes}): the device allows at most {MaxSharedMemoryPerBlockOptin} bytes");
        f.MaxDynamicSharedBytes = bytes;
    }

    /// <summary>Occupancy as an sm_90 multiprocessor limits it: 2048 threads, 32 blocks and 228 KiB of shared memory (1 KiB reserved per block).</summary>
    public int MaxActiveBlocksPerMultiprocessor(CudaFunction function, int blockSize, int dynamicSharedBytes)
    {
        Lookup(function);
        if (blockSize <= 0 || blockSize > MaxThreadsPerBlock || dynamicSharedBytes < 0) return 0;
        var warps = (blockSize + 31) / 32;
        return Math.Min(32, Math.Min(64 / warps, 228 * 1024 / (dynamicSharedBytes + 1024)));
    }

    public void Launch(CudaFunction function, Dim3 grid, Dim3 block, int dynamicSharedBytes, nint stream, void** arguments)
    {
        var f = Lookup(function);
        CheckStream(stream, $"launching {f.Name}");
        var problem = LaunchProblem(f, grid, block, dynamicSharedBytes);
        if (problem != null) throw new CudaException($"launching {f.Name}: invalid configuration, {problem}");
        f.Module.Launch(f.Index, f.Name, grid, block, dynamicSharedBytes, arguments);
    }

    private static string? LaunchProblem(EmulatedFunction f, Dim3 grid, Dim3 block, int dynamicSharedBytes)
    {
        if (block.X == 0 || block.Y == 0 || block.Z == 0 || grid.X == 0 || grid.Y == 0 || grid.Z == 0)
            return $"a grid ({grid.X}, {grid.Y}, {grid.Z}) or block ({block.X}, {block.Y}, {block.Z}) dimension is zero";
        if (block.Count > MaxThreadsPerBlock || block.X > 1024 || block.Y > 1024 || block.Z > 64)
            return $"block ({block.X}, {block.Y}, {block.Z}) exceeds the device limits: 1024 threads, (1024, 1024, 64)";
        if (grid.X > int.MaxValue || grid.Y > 65535 || grid.Z > 65535)
            return $"grid ({grid.X}, {grid.Y}, {grid.Z}) exceeds the device limits (2^31 - 1, 65535, 65535)";
        if (dynamicSharedBytes < 0 || dynamicSharedBytes > f.MaxDynamicSharedBytes)
            return $"{dynamicSharedBytes} bytes of dynamic shared memory exceed the kernel's limit of {f.MaxDynamicSharedBytes}" +
                   (dynamicSharedBytes <= MaxSharedMemoryPerBlockOptin ? " (raise it with SetMaxDynamicSharedMemory)" : "");
        return null;
    }

    internal CudaFunction RegisterFunction(EmulatedModule module, int index, string name)
    {
        lock (functions)
        {
            functions.Add(new EmulatedFunction(module, index, name));
            return new CudaFunction(functions.Count, name);
        }
    }

    private EmulatedFunction Lookup(CudaFunction function)
    {
        EmulatedFunction f;
        lock (functions)
        {
            if (function.Handle <= 0 || function.Handle > functions.Count)
                throw new CudaException($"{function.Name} is not a function of this emulated driver");
            f = functions[(int)function.Handle - 1];
        }
        if (f.Module.IsDisposed) throw new CudaException($"{f.Name}: its module {f.Module.SourceName} has been unloaded");
        return f;
    }

    private void CheckStream(nint stream, string what)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (stream == 0) return;
        lock (streams)
        {
            if (!streams.Contains(stream)) throw new CudaException($"{what}: {stream} is not a live stream");
        }
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        lock (modules)
        {
            foreach (var module in modules) module.Dispose();
        }
        memory.Dispose();
    }
}
