namespace ClipEngine.Bench.Cuda;

/// <summary>
/// Dense tensor-core peaks of one part, in flop/s, from NVIDIA's datasheets (the sparse figures there are twice
/// these). A datasheet states them at one clock; a part that runs at another (power, thermals, another SKU of the same
/// chip) has another peak, so these are ceilings to read against, not the device's own guarantee.
/// </summary>
public sealed record TensorCorePeak(string Part, double Tf32, double Bf16)
{
    /// <summary>By compute capability and SM count (the SKUs of one chip differ in SMs and clocks).</summary>
    private static readonly (int Major, int Minor, int Sms, TensorCorePeak Peak)[] Datasheets =
    [
        (8, 0, 108, new("A100 (datasheet)", 156e12, 312e12)),
        (9, 0, 132, new("H100/H200 SXM (datasheet)", 495e12, 989e12)),
        (9, 0, 114, new("H100 PCIe (datasheet)", 378e12, 756e12)),
    ];

    /// <summary>The datasheet peaks of the part with this compute capability and SM count, or null when none is listed.</summary>
    public static TensorCorePeak? For(int major, int minor, int multiprocessors)
    {
        foreach (var (ma, mi, sms, peak) in Datasheets)
        {
            if (ma == major && mi == minor && sms == multiprocessors) return peak;
        }
        return null;
    }
}
