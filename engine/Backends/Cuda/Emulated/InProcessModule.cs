using System.Runtime.InteropServices;
using System.Text;

namespace ClipEngine.Backends.Cuda.Emulated;

/// <summary>A module loaded into this process with dlopen; launches call its cuda_emu_launch (kernels/emu/emu_launch.cpp).</summary>
internal sealed unsafe class InProcessModule : EmulatedModule
{
    private const int ErrorCapacity = 4096;

    private readonly nint library;
    private readonly delegate* unmanaged<int, uint*, int, int> parameters;
    private readonly delegate* unmanaged<int, uint*, uint*, ulong, void**, byte*, int, int> launch;

    public InProcessModule(EmulatedDriver driver, string sourceName, string imagePath)
        : base(driver, sourceName, imagePath)
    {
        library = NativeLibrary.Load(imagePath);
        parameters = (delegate* unmanaged<int, uint*, int, int>)NativeLibrary.GetExport(library, "cuda_emu_kernel_params");
        launch = (delegate* unmanaged<int, uint*, uint*, ulong, void**, byte*, int, int>)NativeLibrary.GetExport(library, "cuda_emu_launch");
        var count = ((delegate* unmanaged<int>)NativeLibrary.GetExport(library, "cuda_emu_kernel_count"))();
        var name = (delegate* unmanaged<int, byte*>)NativeLibrary.GetExport(library, "cuda_emu_kernel_name");
        KernelNames = [.. Enumerable.Range(0, count).Select(i => Marshal.PtrToStringUTF8((nint)name(i))!)];
    }

    protected override IReadOnlyList<string> KernelNames { get; }

    public override void Launch(int kernel, string name, Dim3 grid, Dim3 block, int dynamicSharedBytes, void** arguments)
    {
        if (arguments == null && parameters(kernel, null, 0) > 0)
            throw new CudaException($"launching {name}: the kernel takes parameters but no arguments were given");
        var g = stackalloc uint[] { grid.X, grid.Y, grid.Z };
        var b = stackalloc uint[] { block.X, block.Y, block.Z };
        var error = stackalloc byte[ErrorCapacity];
        if (launch(kernel, g, b, (ulong)dynamicSharedBytes, arguments, error, ErrorCapacity) != 0)
            throw Failure(name, Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(error)));
    }

    // Unloading is safe: launches are synchronous, so no kernel thread outlives its launch.
    protected override void Unload() => NativeLibrary.Free(library);
}
