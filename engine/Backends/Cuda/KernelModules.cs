using System.Collections.Concurrent;

namespace ClipEngine.Backends.Cuda;

/// <summary>
/// The kernel files of kernels/ loaded into one driver: each file is compiled and loaded the first time one of its
/// functions is asked for, once even when threads race, and function handles are cached by name. Thread-safe.
/// </summary>
public sealed class KernelModules : IDisposable
{
    private readonly ICudaDriver _driver;
    private readonly ConcurrentDictionary<string, Lazy<ICudaModule>> _modules = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string File, string Name), CudaFunction> _functions = new();

    public KernelModules(ICudaDriver driver) => _driver = driver;

    /// <summary>The function <paramref name="name"/> of kernel file <paramref name="file"/> (e.g. "reduce.cu").</summary>
    public CudaFunction Get(string file, string name) =>
        _functions.TryGetValue((file, name), out var function)
            ? function
            : _functions.GetOrAdd((file, name), key => Module(key.File).GetFunction(key.Name));

    /// <summary>The loaded module of one kernel file, compiling and loading it on first use.</summary>
    public ICudaModule Module(string file) =>
        _modules.GetOrAdd(file, f => new Lazy<ICudaModule>(() => _driver.LoadModule(KernelSources.Get(f)))).Value;

    public void Dispose()
    {
        foreach (var module in _modules.Values)
            if (module.IsValueCreated)
                module.Value.Dispose();
        _modules.Clear();
        _functions.Clear();
    }
}
