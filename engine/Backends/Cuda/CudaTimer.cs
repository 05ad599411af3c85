namespace ClipEngine.Backends.Cuda;

/// <summary>
/// Times device work on one stream with a pair of events: <c>Start()</c>, queue the work, <c>Stop()</c>, then read
/// <see cref="ElapsedMilliseconds"/> (which waits for the work). Measures the device, not the host's launch overhead.
/// </summary>
public sealed class CudaTimer : IDisposable
{
    private readonly CudaEvent _start;
    private readonly CudaEvent _end;
    private readonly nint _stream;

    public CudaTimer(ICudaDriver driver, nint stream)
    {
        _stream = stream;
        _start = new CudaEvent(driver);
        _end = new CudaEvent(driver);
    }

    public void Start() => _start.Record(_stream);

    public void Stop() => _end.Record(_stream);

    public float ElapsedMilliseconds => CudaEvent.ElapsedMilliseconds(_start, _end);

    public void Dispose()
    {
        _start.Dispose();
        _end.Dispose();
    }
}
