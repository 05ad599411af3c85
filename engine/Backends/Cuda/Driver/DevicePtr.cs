namespace ClipEngine.Backends.Cuda;

/// <summary>A device address: CUdeviceptr on the real driver, a host address on the emulated one.</summary>
public readonly record struct DevicePtr(ulong Address)
{
    public static readonly DevicePtr Null = default;

    public bool IsNull => Address == 0;

    public DevicePtr Offset(long bytes) => new((ulong)((long)Address + bytes));

    public override string ToString() => $"0x{Address:x}";
}

/// <summary>Grid or block dimensions of a launch.</summary>
public readonly record struct Dim3(uint X, uint Y = 1, uint Z = 1)
{
    public static implicit operator Dim3(int x) => new((uint)x);

    public long Count => (long)X * Y * Z;
}

/// <summary>A kernel function inside a loaded module; the handle means something only to the driver that made it.</summary>
public readonly record struct CudaFunction(nint Handle, string Name);

/// <summary>
/// One kernel source file (e.g. "elementwise.cu") and the headers it includes by name, e.g. "common.cuh".
/// Both drivers compile exactly this text: NVRTC for the device's sm_XY, g++ against the emulator header.
/// </summary>
public sealed record KernelSource(string Name, string Code, IReadOnlyDictionary<string, string> Headers);
