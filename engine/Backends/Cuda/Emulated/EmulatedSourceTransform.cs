using System.Text;
using System.Text.RegularExpressions;

namespace ClipEngine.Backends.Cuda.Emulated;

/// <summary>
/// The textual changes the emulated toolchain makes to a kernel file before g++ compiles it, none of which moves a
/// line, so compiler messages name the lines the author wrote:
/// <list type="bullet">
/// <item><c>extern __shared__ T name[];</c> becomes a pointer to the block's dynamic shared memory;</item>
/// <item>one <c>CUDA_EMU_REGISTER(name)</c> line per <c>extern "C" __global__</c> function is appended, building the
/// trampoline the driver launches through (kernels/emu/emu_kernel_registry.h). The kernels are found in the file as
/// preprocessed with CUDA_EMU_SCAN_KERNELS, where <c>__global__</c> survives as a marker, so kernels that macros
/// define are found too.</item>
/// </list>
/// </summary>
internal static partial class EmulatedSourceTransform
{
    /// <summary>The kernel-marker macro the scan defines.</summary>
    public const string ScanDefine = "CUDA_EMU_SCAN_KERNELS";

    public static string RewriteDynamicShared(string code) => DynamicShared().Replace(code, match =>
    {
        var type = match.Groups["type"].Value;
        var name = match.Groups["name"].Value;
        var newlines = new string('\n', match.Value.Count(c => c == '\n'));
        return $"{type}* const {name} = ::cuda_emu::detail::dynamic_shared<{type}>();{newlines}";
    });

    /// <summary>The <c>extern "C" __global__</c> functions of a preprocessed scan, each once, in order of appearance.</summary>
    public static IReadOnlyList<string> KernelNames(string preprocessed)
    {
        var names = new List<string>();
        foreach (Match match in KernelSignature().Matches(preprocessed))
        {
            var name = match.Groups["name"].Value;
            if (!names.Contains(name)) names.Add(name);
        }
        return names;
    }

    public static string Registrations(IEnumerable<string> kernels)
    {
        var text = new StringBuilder("\n");
        foreach (var kernel in kernels) text.Append("CUDA_EMU_REGISTER(").Append(kernel).Append(")\n");
        return text.ToString();
    }

    // extern "C" __cuda_emu_global__ [other qualifiers] void name(
    [GeneratedRegex(@"extern\s+""C""\s+__cuda_emu_global__\s+(?:[A-Za-z_]\w*\s+)*?void\s+(?<name>[A-Za-z_]\w*)\s*\(")]
    private static partial Regex KernelSignature();

    // extern __shared__ [__align__(n) | alignas(n)] type [__align__(n)] name[];
    [GeneratedRegex(@"extern\s+__shared__\s+(?:(?:__align__|alignas)\s*\([^()]*\)\s*)?(?<type>[A-Za-z_][\w:]*(?:\s+[A-Za-z_][\w:]*)*?)\s*(?:(?:__align__|alignas)\s*\([^()]*\)\s*)?(?<name>[A-Za-z_]\w*)\s*\[\s*\]\s*;")]
    private static partial Regex DynamicShared();
}
