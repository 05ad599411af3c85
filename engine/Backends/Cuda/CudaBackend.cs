namespace ClipEngine.Backends.Cuda;

/// <summary>
/// The backend of one CUDA device over an <see cref="ICudaDriver"/> (the real one or the emulated one): memory from a
/// <see cref="CudaCachingAllocator"/>, kernels of kernels/ launched on one compute stream, in order. Every
/// <see cref="IBackend"/> op has a kernel (GEMMs go to the driver: cuBLAS, or the CPU SGEMM under emulation).
/// One partial file per op family.
/// </summary>
public sealed unsafe partial class CudaBackend : IBackend, IDisposable
{
    private static Func<int, ICudaDriver> _driverFactory = CudaDrivers.Create;

    private readonly bool _ownsDriver;
    private readonly int _maxBlocks;
    private bool _disposed;

    /// <param name="driver">The driver of the device; the backend creates its stream, modules and memory on it.</param>
    /// <param name="deviceIndex">The N of the device "cuda:N" this backend serves.</param>
    /// <param name="ownsDriver">Whether <see cref="Dispose"/> disposes the driver too.</param>
    public CudaBackend(ICudaDriver driver, int deviceIndex = 0, bool ownsDriver = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deviceIndex);
        Driver = driver;
        Device = Device.Cuda(deviceIndex);
        _ownsDriver = ownsDriver;
        Stream = driver.CreateStream();
        Allocator = new CudaCachingAllocator(driver);
        Modules = new KernelModules(driver);
        Launcher = new KernelLauncher(driver, Stream);
        _maxBlocks = LaunchConfig.OneWave(driver.Device);
    }

    public Device Device { get; }

    public ICudaDriver Driver { get; }

    /// <summary>The compute stream every op of this backend is queued on.</summary>
    public nint Stream { get; }

    public CudaCachingAllocator Allocator { get; }

    public KernelModules Modules { get; }

    public KernelLauncher Launcher { get; }

    /// <summary>
    /// Chooses the driver of the backends that <see cref="BackendRegistry"/> creates for "cuda:N" devices from now on:
    /// by default <see cref="CudaDrivers.Create"/> (the real driver, or the emulated one with CLIPENGINE_CUDA_DRIVER=emulated).
    /// The factory is given N.
    /// </summary>
    public static void UseDriver(Func<int, ICudaDriver> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Volatile.Write(ref _driverFactory, factory);
    }

    /// <summary>The backend of "cuda:<paramref name="deviceIndex"/>" over a driver from the <see cref="UseDriver"/> factory.</summary>
    public static CudaBackend Create(int deviceIndex) =>
        new(Volatile.Read(ref _driverFactory)(deviceIndex), deviceIndex, ownsDriver: true);

    /// <summary>Blocks until every op queued on <see cref="Stream"/> has run, then reports a bad device-side index (<see cref="CheckIndices"/>).</summary>
    public void Synchronize()
    {
        Driver.SynchronizeStream(Stream);
        CheckIndices();
    }

    /// <summary>A timer of device work on this backend's stream.</summary>
    public CudaTimer CreateTimer() => new(Driver, Stream);

    /// <summary>Waits for queued work, then returns all device memory, the kernel modules and the stream to the driver.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Driver.SynchronizeStream(Stream);
        lock (_pendingIndexChecks)
        {
            foreach (var check in _pendingIndexChecks) check.Indices.Dispose();
            _pendingIndexChecks.Clear();
        }
        Modules.Dispose();
        Allocator.Dispose();
        Driver.DestroyStream(Stream);
        if (_ownsDriver) Driver.Dispose();
    }

    /// <summary>The device address of a tensor's storage.</summary>
    internal static DevicePtr Ptr(Tensor t) =>
        t.Storage is CudaStorage storage
            ? storage.Pointer
            : throw new ArgumentException($"tensor {ShapeUtil.Format(t.Dims)} {t.DType} is on {t.Device}, not in CUDA memory");

    private void Launch1D<T1, T2, T3>(string file, string kernel, long count, T1 a1, T2 a2, T3 a3)
        where T1 : unmanaged where T2 : unmanaged where T3 : unmanaged =>
        Launcher.Launch(Modules.Get(file, kernel), LaunchConfig.GridStride(count, _maxBlocks), a1, a2, a3);
}
