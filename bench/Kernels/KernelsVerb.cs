using ClipEngine.Backends.Cuda;

namespace ClipEngine.Bench.Kernels;

/// <summary>
/// <c>bench -- kernels [--arch sm_XY | --arch device]...</c>: compiles every kernel file with the real NVRTC and
/// ptxas -v for sm_80 and sm_90 (or the archs given; "device" is this machine's GPU) and prints registers, shared
/// memory, stack and spills per function. Exits 1 on a compile error, a spill, or a missing NVRTC.
/// </summary>
public static class KernelsVerb
{
    public static int Run(string[] args)
    {
        if (!NvrtcCompiler.IsAvailable)
        {
            Console.Error.WriteLine($"kernels: NVRTC is not available (on Debian: apt-get install libnvrtc11.2 from non-free).\n{NvrtcCompiler.UnavailableReason}");
            return 1;
        }
        var archs = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] != "--arch" || i + 1 == args.Length)
            {
                Console.Error.WriteLine($"kernels: unknown argument '{args[i]}'; usage: kernels [--arch sm_XY | --arch device]...");
                return 2;
            }
            if (args[++i] != "device")
            {
                archs.Add(args[i]);
            }
            else if (CudaDevice.IsAvailable)
            {
                archs.Add(DeviceTarget());
            }
            else
            {
                Console.Error.WriteLine($"kernels: --arch device needs a CUDA device: {CudaDevice.UnavailableReason}");
                return 1;
            }
        }
        if (archs.Count == 0) archs.AddRange(KernelReport.DefaultArchs);

        Console.WriteLine($"{NvrtcCompiler.Identity}, options: {string.Join(' ', NvrtcCompiler.DefaultOptions)} --ptxas-options=-v");
        var names = KernelSources.KernelNames;
        if (names.Count == 0)
        {
            Console.WriteLine("no kernel files in kernels/");
            return 0;
        }
        var entries = names.SelectMany(n => archs.Select(a => KernelReport.Compile(KernelSources.Get(n), a))).ToList();
        Console.Write(KernelReport.Format(entries));
        var failed = entries.Where(e => !e.Passed).ToList();
        Console.WriteLine(failed.Count == 0
            ? $"{entries.Count} compiles, no errors, no spills"
            : $"FAILED: {string.Join(", ", failed.Select(e => $"{e.Source} ({e.Arch}: {(e.Error is null ? "spills" : "compile error")})"))}");
        return failed.Count == 0 ? 0 : 1;
    }

    private static string DeviceTarget()
    {
        var device = CudaDevice.GetInfo(0);
        return NvrtcCompiler.TargetFor(device.ComputeCapabilityMajor * 10 + device.ComputeCapabilityMinor);
    }
}
