namespace ClipEngine.Backends.Cuda;

/// <summary>
/// Launches kernels on one stream of one driver with typed arguments: each overload takes the argument values as
/// unmanaged parameters and passes cuLaunchKernel's kernelParams (one pointer per parameter, to its value) from a
/// stackalloc'd array, so a launch neither boxes nor allocates. Pointers are passed as <see cref="DevicePtr"/>;
/// a kernel's C parameter types must have the sizes of the C# types given (int, long long, float, a struct of the
/// same layout).
/// </summary>
public readonly unsafe struct KernelLauncher(ICudaDriver driver, nint stream)
{
    public ICudaDriver Driver { get; } = driver;

    public nint Stream { get; } = stream;

    /// <summary>Launches with kernelParams already packed; launches of an empty grid do nothing.</summary>
    public void Launch(CudaFunction function, in LaunchConfig config, void** arguments)
    {
        if (config.Grid.Count == 0) return;
        Driver.Launch(function, config.Grid, config.Block, config.SharedBytes, Stream, arguments);
    }

    public void Launch<T1>(CudaFunction function, in LaunchConfig config, T1 a1)
        where T1 : unmanaged
    {
        var arguments = stackalloc void*[] { &a1 };
        Launch(function, config, arguments);
    }

    public void Launch<T1, T2>(CudaFunction function, in LaunchConfig config, T1 a1, T2 a2)
        where T1 : unmanaged where T2 : unmanaged
    {
        var arguments = stackalloc void*[] { &a1, &a2 };
        Launch(function, config, arguments);
    }

    public void Launch<T1, T2, T3>(CudaFunction function, in LaunchConfig config, T1 a1, T2 a2, T3 a3)
        where T1 : unmanaged where T2 : unmanaged where T3 : unmanaged
    {
        var arguments = stackalloc void*[] { &a1, &a2, &a3 };
        Launch(function, config, arguments);
    }

    public void Launch<T1, T2, T3, T4>(CudaFunction function, in LaunchConfig config, T1 a1, T2 a2, T3 a3, T4 a4)
        where T1 : unmanaged where T2 : unmanaged where T3 : unmanaged where T4 : unmanaged
    {
        var arguments = stackalloc void*[] { &a1, &a2, &a3, &a4 };
        Launch(function, config, arguments);
    }

    public void Launch<T1, T2, T3, T4, T5>(CudaFunction function, in LaunchConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5)
        where T1 : unmanaged where T2 : unmanaged where T3 : unmanaged where T4 : unmanaged where T5 : unmanaged
    {
        var arguments = stackalloc void*[] { &a1, &a2, &a3, &a4, &a5 };
        Launch(function, config, arguments);
    }

    public void Launch<T1, T2, T3, T4, T5, T6>(CudaFunction function, in LaunchConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6)
        where T1 : unmanaged where T2 : unmanaged where T3 : unmanaged where T4 : unmanaged where T5 : unmanaged where T6 : unmanaged
    {
        var arguments = stackalloc void*[] { &a1, &a2, &a3, &a4, &a5, &a6 };
        Launch(function, config, arguments);
    }

    public void Launch<T1, T2, T3, T4, T5, T6, T7>(CudaFunction function, in LaunchConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7)
        where T1 : unmanaged where T2 : unmanaged where T3 : unmanaged where T4 : unmanaged where T5 : unmanaged where T6 : unmanaged where T7 : unmanaged
    {
        var arguments = stackalloc void*[] { &a1, &a2, &a3, &a4, &a5, &a6, &a7 };
        Launch(function, config, arguments);
    }

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8>(CudaFunction function, in LaunchConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8)
        where T1 : unmanaged where T2 : unmanaged where T3 : unmanaged where T4 : unmanaged where T5 : unmanaged where T6 : unmanaged where T7 : unmanaged where T8 : unmanaged
    {
        var arguments = stackalloc void*[] { &a1, &a2, &a3, &a4, &a5, &a6, &a7, &a8 };
        Launch(function, config, arguments);
    }

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9>(CudaFunction function, in LaunchConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9)
        where T1 : unmanaged where T2 : unmanaged where T3 : unmanaged where T4 : unmanaged where T5 : unmanaged where T6 : unmanaged where T7 : unmanaged where T8 : unmanaged where T9 : unmanaged
    {
        var arguments = stackalloc void*[] { &a1, &a2, &a3, &a4, &a5, &a6, &a7, &a8, &a9 };
        Launch(function, config, arguments);
    }

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(CudaFunction function, in LaunchConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10)
        where T1 : unmanaged where T2 : unmanaged where T3 : unmanaged where T4 : unmanaged where T5 : unmanaged where T6 : unmanaged where T7 : unmanaged where T8 : unmanaged where T9 : unmanaged where T10 : unmanaged
    {
        var arguments = stackalloc void*[] { &a1, &a2, &a3, &a4, &a5, &a6, &a7, &a8, &a9, &a10 };
        Launch(function, config, arguments);
    }

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>(CudaFunction function, in LaunchConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11)
        where T1 : unmanaged where T2 : unmanaged where T3 : unmanaged where T4 : unmanaged where T5 : unmanaged where T6 : unmanaged where T7 : unmanaged where T8 : unmanaged where T9 : unmanaged where T10 : unmanaged where T11 : unmanaged
    {
        var arguments = stackalloc void*[] { &a1, &a2, &a3, &a4, &a5, &a6, &a7, &a8, &a9, &a10, &a11 };
        Launch(function, config, arguments);
    }

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>(CudaFunction function, in LaunchConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12)
        where T1 : unmanaged where T2 : unmanaged where T3 : unmanaged where T4 : unmanaged where T5 : unmanaged where T6 : unmanaged where T7 : unmanaged where T8 : unmanaged where T9 : unmanaged where T10 : unmanaged where T11 : unmanaged where T12 : unmanaged
    {
        var arguments = stackalloc void*[] { &a1, &a2, &a3, &a4, &a5, &a6, &a7, &a8, &a9, &a10, &a11, &a12 };
        Launch(function, config, arguments);
    }
}
