using System.Text;
using ClipEngine.Backends.Cuda.Interop;

namespace ClipEngine.Backends.Cuda;

/// <summary>A compiled kernel file: a cubin for a real arch (sm_XY) or PTX for a virtual one (compute_XY), and the compiler's log.</summary>
public sealed record NvrtcOutput(byte[] Image, bool IsCubin, string Log);

/// <summary>
/// Compiles kernel sources with NVRTC (libnvrtc, probed as <c>libnvrtc.so.13/.12/.11.2</c> or <c>$CLIPENGINE_LIBNVRTC</c>).
/// The options every kernel gets are <see cref="DefaultOptions"/>; callers add the target and any extras.
/// </summary>
public static unsafe class NvrtcCompiler
{
    /// <summary>
    /// C++17 (the kernels also build with g++ -std=c++17 against the emulator) and line info, which costs no speed
    /// and lets profilers and compute-sanitizer point at source lines. Not <c>--use_fast_math</c>: it would swap
    /// expf, division and sqrt for approximations and flush denormals everywhere, so GPU results would drift from
    /// the Cpu backend beyond the tests' tolerances; kernels call the intrinsics (__expf, …) where they want them.
    /// Not <c>-default-device</c>: device functions say <c>__device__</c>, which the emulator header defines away.
    /// Line info only from NVRTC 12 on: Debian's NVRTC 11.8 segfaults with <c>-lineinfo</c> on a plain grid-stride
    /// kernel (kernels/fill.cu: killed by SIGSEGV inside nvrtcCompileProgram; the same file compiles without it).
    /// </summary>
    public static IReadOnlyList<string> DefaultOptions => Version.Major >= 12 ? ["-std=c++17", "-lineinfo"] : ["-std=c++17"];

    // NVRTC before 12 documents no thread safety for concurrent compiles; compiles are rare and cached, so serialize.
    private static readonly Lock CompileLock = new();

    private static readonly Lazy<(int Major, int Minor)> VersionValue = new(() =>
    {
        CudaLibraries.Nvrtc.Require();
        NvrtcApi.Check(NvrtcApi.nvrtcVersion(out var major, out var minor), "nvrtcVersion");
        return (major, minor);
    });

    private static readonly Lazy<IReadOnlyList<int>> SupportedArchsValue = new(() =>
    {
        CudaLibraries.Nvrtc.Require();
        NvrtcApi.Check(NvrtcApi.nvrtcGetNumSupportedArchs(out var count), "nvrtcGetNumSupportedArchs");
        var archs = new int[count];
        fixed (int* pointer = archs) NvrtcApi.Check(NvrtcApi.nvrtcGetSupportedArchs(pointer), "nvrtcGetSupportedArchs");
        return archs;
    });

    /// <summary>Whether libnvrtc loaded; when not, <see cref="UnavailableReason"/> lists the paths tried.</summary>
    public static bool IsAvailable => CudaLibraries.Nvrtc.IsLoaded;

    public static string? UnavailableReason => CudaLibraries.Nvrtc.FailureReason;

    /// <summary>The NVRTC version, e.g. (11, 8).</summary>
    public static (int Major, int Minor) Version => VersionValue.Value;

    /// <summary>The compute capabilities NVRTC can emit code for, as 80 for sm_80.</summary>
    public static IReadOnlyList<int> SupportedArchs => SupportedArchsValue.Value;

    /// <summary>Names this compiler in cache keys: "nvrtc-11.8".</summary>
    public static string Identity => $"nvrtc-{Version.Major}.{Version.Minor}";

    /// <summary>
    /// The target for a device of compute capability <paramref name="capability"/> (e.g. 90): its own sm_XY when NVRTC
    /// knows it, else PTX for the newest older arch NVRTC knows, which the driver compiles on load (an NVRTC older
    /// than the GPU). Throws when NVRTC knows nothing this old.
    /// </summary>
    public static string TargetFor(int capability)
    {
        if (SupportedArchs.Contains(capability)) return $"sm_{capability}";
        var older = SupportedArchs.Where(a => a < capability).DefaultIfEmpty(-1).Max();
        if (older < 0)
            throw new CudaException($"{Identity} cannot compile for compute capability {capability / 10}.{capability % 10} (supports {string.Join(", ", SupportedArchs)})");
        return $"compute_{older}";
    }

    /// <summary>
    /// Compiles one kernel file for <paramref name="target"/> ("sm_90" → cubin, "compute_90" → PTX) with
    /// <see cref="DefaultOptions"/> and <paramref name="extraOptions"/>. A compile error throws
    /// <see cref="CudaCompileException"/> with NVRTC's log ("file.cu(12): error: …").
    /// </summary>
    public static NvrtcOutput Compile(KernelSource source, string target, IEnumerable<string>? extraOptions = null)
    {
        CudaLibraries.Nvrtc.Require();
        var isCubin = target.StartsWith("sm_", StringComparison.Ordinal);
        if (!isCubin && !target.StartsWith("compute_", StringComparison.Ordinal))
            throw new ArgumentException($"target must be sm_XY or compute_XY, got '{target}'", nameof(target));
        var headerNames = source.Headers.Keys.Order(StringComparer.Ordinal).ToArray();
        using var texts = new Utf8StringArray([source.Code, source.Name]);
        using var headers = new Utf8StringArray([.. headerNames.Select(n => source.Headers[n])]);
        using var includeNames = new Utf8StringArray(headerNames);
        using var options = new Utf8StringArray([$"--gpu-architecture={target}", .. DefaultOptions, .. extraOptions ?? []]);
        lock (CompileLock)
        {
            NvrtcApi.Check(NvrtcApi.nvrtcCreateProgram(out var program, texts[0], texts[1], headers.Count,
                headers.Pointers, includeNames.Pointers), "nvrtcCreateProgram");
            try
            {
                var result = NvrtcApi.nvrtcCompileProgram(program, options.Count, options.Pointers);
                var log = ReadLog(program);
                if (result == NvrtcApi.ErrorCompilation) throw new CudaCompileException(source.Name, log);
                NvrtcApi.Check(result, $"nvrtcCompileProgram({source.Name}, {target})");
                return new NvrtcOutput(isCubin ? ReadCubin(program) : ReadPtx(program), isCubin, log);
            }
            finally
            {
                NvrtcApi.nvrtcDestroyProgram(ref program);
            }
        }
    }

    private static string ReadLog(nint program) =>
        Encoding.UTF8.GetString(Read(program, &NvrtcApi.nvrtcGetProgramLogSize, &NvrtcApi.nvrtcGetProgramLog, "nvrtcGetProgramLog"))
            .TrimEnd('\0').Trim();

    private static byte[] ReadCubin(nint program) =>
        Read(program, &NvrtcApi.nvrtcGetCUBINSize, &NvrtcApi.nvrtcGetCUBIN, "nvrtcGetCUBIN");

    // Keeps the terminating NUL that cuModuleLoadData needs to recognise PTX text.
    private static byte[] ReadPtx(nint program) =>
        Read(program, &NvrtcApi.nvrtcGetPTXSize, &NvrtcApi.nvrtcGetPTX, "nvrtcGetPTX");

    private static byte[] Read(nint program, delegate*<nint, out nuint, int> getSize, delegate*<nint, byte*, int> get, string call)
    {
        NvrtcApi.Check(getSize(program, out var size), $"{call}Size");
        var bytes = new byte[size];
        fixed (byte* pointer = bytes) NvrtcApi.Check(get(program, pointer), call);
        return bytes;
    }
}
