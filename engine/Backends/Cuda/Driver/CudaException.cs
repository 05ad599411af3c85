namespace ClipEngine.Backends.Cuda;

/// <summary>A CUDA driver, NVRTC or cuBLAS call failed; the message names the call and the error.</summary>
public class CudaException(string message) : Exception(message);

/// <summary>Device memory ran out; the message says how much was asked for and how much is free and reserved.</summary>
public sealed class CudaOutOfMemoryException(string message, long requestedBytes) : CudaException(message)
{
    public long RequestedBytes { get; } = requestedBytes;
}

/// <summary>A kernel source failed to compile; <see cref="Log"/> is the compiler's output with file and line.</summary>
public sealed class CudaCompileException(string sourceName, string log)
    : CudaException($"compiling {sourceName} failed:\n{log}")
{
    public string SourceName { get; } = sourceName;

    public string Log { get; } = log;
}
