namespace ClipEngine.Backends.Cuda.Emulated;

/// <summary>How the emulated driver builds and runs kernels.</summary>
public sealed record EmulatedDriverOptions
{
    /// <summary>
    /// Build kernels with AddressSanitizer and run each launch in a child process whose device memory is poisoned
    /// outside the live allocations, so an out-of-bounds access fails the launch. Slower: one process per launch.
    /// </summary>
    public bool AddressSanitizer { get; init; }

    /// <summary>The emulated device's memory size; allocations beyond it throw <see cref="CudaOutOfMemoryException"/>.</summary>
    public long TotalMemory { get; init; } = 16L << 30;

    /// <summary>The C++ compiler the kernels are built with (g++ 12 or later).</summary>
    public string Compiler { get; init; } = "g++";
}
