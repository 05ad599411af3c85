namespace ClipEngine.Backends.Cuda;

/// <summary>The shape of a kernel launch: grid, block and dynamic shared memory in bytes.</summary>
public readonly record struct LaunchConfig(Dim3 Grid, Dim3 Block, int SharedBytes = 0)
{
    /// <summary>Threads per block of the element-wise kernels: enough warps to hide latency, small enough to fill every SM.</summary>
    public const int DefaultBlockSize = 256;

    /// <summary>The largest grid.y (and grid.z) a launch may have.</summary>
    public const int MaxGridY = 65535;

    /// <summary>
    /// A 1-D launch for a grid-stride loop over <paramref name="count"/> elements: one thread per element, but at most
    /// <paramref name="maxBlocks"/> blocks (the kernel's loop covers the rest) and at least one block.
    /// </summary>
    public static LaunchConfig GridStride(long count, int maxBlocks, int blockSize = DefaultBlockSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBlocks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        var blocks = Math.Clamp((count + blockSize - 1) / blockSize, 1, maxBlocks);
        return new LaunchConfig((int)blocks, blockSize);
    }

    /// <summary>The number of blocks that fills <paramref name="device"/> once with <paramref name="blockSize"/>-thread blocks (2048 resident threads per SM).</summary>
    public static int OneWave(CudaDeviceInfo device, int blockSize = DefaultBlockSize) =>
        Math.Max(1, device.MultiprocessorCount * Math.Max(1, 2048 / blockSize));

    /// <summary><paramref name="threads"/> rounded up to whole warps, at least one and at most <paramref name="max"/>.</summary>
    public static int WarpMultiple(long threads, int max = 1024) => (int)Math.Clamp((threads + 31) / 32 * 32, 32, max);
}
