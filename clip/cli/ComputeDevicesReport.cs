using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using ClipEngine.Backends.Cuda;

namespace ClipEngine.Cli;

/// <summary>What <c>info</c> says about the machine's compute devices: the CPU always, then the CUDA section.</summary>
internal static class ComputeDevicesReport
{
    public static void Write(TextWriter output)
    {
        output.WriteLine("compute devices:");
        output.WriteLine($"  cpu: {Environment.ProcessorCount} logical cores, {RuntimeInformation.ProcessArchitecture}, {RuntimeInformation.OSDescription}");
        output.WriteLine($"       SIMD: {Vector<float>.Count * 32}-bit Vector<float>; {string.Join(", ", SimdFeatures().DefaultIfEmpty("no hardware SIMD"))}");
        WriteCuda(output);
    }

    /// <summary>The CUDA section: what the real driver path finds (driver, devices, NVRTC, cuBLAS) or why each is missing.</summary>
    private static void WriteCuda(TextWriter output)
    {
        var report = CudaDiagnostics.Report();
        output.WriteLine($"  cuda: {(report.IsAvailable ? "available (--device cuda)" : "not available (--device cuda is refused)")}");
        foreach (var line in report.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            output.WriteLine($"       {line}");
    }

    private static IEnumerable<string> SimdFeatures()
    {
        if (Sse42.IsSupported) yield return "SSE4.2";
        if (Avx2.IsSupported) yield return "AVX2";
        if (Fma.IsSupported) yield return "FMA";
        if (Avx512F.IsSupported) yield return "AVX-512F";
        if (Vector512.IsHardwareAccelerated) yield return "512-bit vectors accelerated";
        if (AdvSimd.IsSupported) yield return "AdvSIMD";
    }
}
