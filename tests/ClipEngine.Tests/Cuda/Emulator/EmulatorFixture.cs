using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using ClipEngine.Backends.Cuda;
using ClipEngine.Backends.Cuda.Emulated;

namespace ClipEngine.Tests.Cuda.Emulator;

/// <summary>
/// One emulated driver for the emulator tests, with each test kernel file (copied next to the test assembly) built
/// once per run; compiled images persist in the kernel cache, so later runs do not invoke g++ at all.
/// </summary>
public sealed class EmulatorFixture : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ICudaModule>> modules = new();

    public EmulatedDriver Driver { get; } = new();

    public static KernelSource Source(string file) =>
        new(file, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Cuda", "Emulator", file)), new Dictionary<string, string>());

    public CudaFunction Function(string file, string kernel) =>
        modules.GetOrAdd(file, f => new Lazy<ICudaModule>(() => Driver.LoadModule(Source(f)))).Value.GetFunction(kernel);

    public void Dispose() => Driver.Dispose();
}

[CollectionDefinition(Name)]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "Cuda emulator";
}

/// <summary>A device buffer of T that copies in and out of host arrays.</summary>
public sealed unsafe class DeviceArray<T> : IDisposable where T : unmanaged
{
    private readonly ICudaDriver driver;

    private DeviceArray(ICudaDriver driver, int length)
    {
        this.driver = driver;
        Length = length;
        Pointer = driver.Alloc((long)Math.Max(length, 1) * sizeof(T));
    }

    public DevicePtr Pointer { get; }

    public int Length { get; }

    public static DeviceArray<T> Zeros(ICudaDriver driver, int length)
    {
        var array = new DeviceArray<T>(driver, length);
        driver.MemsetAsync(array.Pointer, 0, (long)length * sizeof(T), 0);
        return array;
    }

    public static DeviceArray<T> From(ICudaDriver driver, T[] values)
    {
        var array = new DeviceArray<T>(driver, values.Length);
        fixed (T* p = values) driver.CopyHostToDevice(array.Pointer, p, (long)values.Length * sizeof(T), 0);
        return array;
    }

    public T[] ToArray()
    {
        var values = new T[Length];
        fixed (T* p = values) driver.CopyDeviceToHost(p, Pointer, (long)Length * sizeof(T), 0);
        return values;
    }

    public void Dispose() => driver.Free(Pointer);
}

/// <summary>Launches with kernelParams built from plain values: DevicePtr, DeviceArray, int, uint, long, float.</summary>
public static unsafe class KernelLauncher
{
    public static void Run(this ICudaDriver driver, CudaFunction function, Dim3 grid, Dim3 block, int dynamicSharedBytes, params object[] arguments)
    {
        var values = (ulong*)NativeMemory.AllocZeroed((nuint)Math.Max(arguments.Length, 1), sizeof(ulong));
        var pointers = (void**)NativeMemory.Alloc((nuint)Math.Max(arguments.Length, 1), (nuint)sizeof(void*));
        try
        {
            for (var i = 0; i < arguments.Length; i++)
            {
                var slot = values + i;
                switch (arguments[i])
                {
                    case DevicePtr p: *slot = p.Address; break;
                    case DeviceArray<float> a: *slot = a.Pointer.Address; break;
                    case DeviceArray<int> a: *slot = a.Pointer.Address; break;
                    case DeviceArray<uint> a: *slot = a.Pointer.Address; break;
                    case DeviceArray<ushort> a: *slot = a.Pointer.Address; break;
                    case DeviceArray<byte> a: *slot = a.Pointer.Address; break;
                    case DeviceArray<ulong> a: *slot = a.Pointer.Address; break;
                    case int v: *(int*)slot = v; break;
                    case uint v: *(uint*)slot = v; break;
                    case long v: *(long*)slot = v; break;
                    case float v: *(float*)slot = v; break;
                    default: throw new ArgumentException($"unsupported kernel argument type {arguments[i].GetType()}");
                }
                pointers[i] = slot;
            }
            driver.Launch(function, grid, block, dynamicSharedBytes, 0, pointers);
        }
        finally
        {
            NativeMemory.Free(values);
            NativeMemory.Free(pointers);
        }
    }
}
