namespace ClipEngine.Backends.Cuda.Emulated;

/// <summary>A kernel file built for the emulator: its kernels by name, and how a launch of one runs.</summary>
internal abstract unsafe class EmulatedModule(EmulatedDriver driver, string sourceName, string imagePath) : ICudaModule
{
    private readonly Dictionary<string, CudaFunction> functions = [];

    public string SourceName { get; } = sourceName;

    /// <summary>The cached shared library this module was loaded from.</summary>
    public string ImagePath { get; } = imagePath;

    public bool IsDisposed { get; private set; }

    /// <summary>The kernels the module registered, in the order of its trampoline table.</summary>
    protected abstract IReadOnlyList<string> KernelNames { get; }

    public CudaFunction GetFunction(string name)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        lock (functions)
        {
            if (functions.TryGetValue(name, out var function)) return function;
            var index = KernelNames.ToList().IndexOf(name);
            if (index < 0)
                throw new CudaException($"module {SourceName} has no extern \"C\" __global__ function '{name}' (has: {string.Join(", ", KernelNames)})");
            function = driver.RegisterFunction(this, index, name);
            functions.Add(name, function);
            return function;
        }
    }

    /// <summary>Runs the kernel over the grid; a failure inside it throws <see cref="CudaException"/> with its message.</summary>
    public abstract void Launch(int kernel, string name, Dim3 grid, Dim3 block, int dynamicSharedBytes, void** arguments);

    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        Unload();
    }

    /// <summary>Releases what the module holds in this process; nothing by default.</summary>
    protected virtual void Unload()
    {
    }

    protected static CudaException Failure(string name, string message) => new($"kernel {name} failed: {message}");
}

/// <summary>The driver's record of one kernel handed out as a <see cref="CudaFunction"/>.</summary>
internal sealed class EmulatedFunction(EmulatedModule module, int index, string name)
{
    public EmulatedModule Module { get; } = module;

    public int Index { get; } = index;

    public string Name { get; } = name;

    /// <summary>The most dynamic shared memory a launch may ask for (cuFuncSetAttribute raises it past 48 KiB).</summary>
    public int MaxDynamicSharedBytes { get; set; } = EmulatedDriver.DefaultSharedMemoryPerBlock;
}
