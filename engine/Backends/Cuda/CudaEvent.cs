namespace ClipEngine.Backends.Cuda;

/// <summary>A CUDA event: a marker in a stream's work that the host can wait for and time between.</summary>
public sealed class CudaEvent : IDisposable
{
    private readonly ICudaDriver _driver;
    private nint _handle;

    public CudaEvent(ICudaDriver driver)
    {
        _driver = driver;
        _handle = driver.CreateEvent();
    }

    public nint Handle => _handle != 0 ? _handle : throw new ObjectDisposedException(nameof(CudaEvent));

    /// <summary>Marks the point in <paramref name="stream"/> reached once all work queued so far has run.</summary>
    public void Record(nint stream) => _driver.RecordEvent(Handle, stream);

    /// <summary>Blocks the host until the recorded point has passed.</summary>
    public void Synchronize() => _driver.SynchronizeEvent(Handle);

    /// <summary>Milliseconds of device time from <paramref name="start"/> to <paramref name="end"/>; waits for <paramref name="end"/>.</summary>
    public static float ElapsedMilliseconds(CudaEvent start, CudaEvent end)
    {
        end.Synchronize();
        return end._driver.ElapsedMilliseconds(start.Handle, end.Handle);
    }

    public void Dispose()
    {
        var handle = _handle;
        if (handle == 0) return;
        _handle = 0;
        _driver.DestroyEvent(handle);
    }
}
