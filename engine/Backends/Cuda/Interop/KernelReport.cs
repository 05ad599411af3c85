using System.Text;

namespace ClipEngine.Backends.Cuda;

/// <summary>One kernel file compiled for one arch: the resources of each function, or the compile error.</summary>
public sealed record KernelReportEntry(string Source, string Arch, IReadOnlyList<KernelResourceUsage> Functions, string? Error)
{
    public bool Passed => Error is null && !Functions.Any(f => f.Spills);
}

/// <summary>
/// Compiles kernel files with the real NVRTC and ptxas's verbose output, and lays out registers, shared memory,
/// stack and spills per function and arch. DESIGN.md asks every kernel to compile for sm_80 and sm_90 without spills.
/// </summary>
public static class KernelReport
{
    public static IReadOnlyList<string> DefaultArchs { get; } = ["sm_80", "sm_90"];

    public static KernelReportEntry Compile(KernelSource source, string arch)
    {
        try
        {
            var output = NvrtcCompiler.Compile(source, arch, ["--ptxas-options=-v"]);
            return new KernelReportEntry(source.Name, arch, PtxasLog.Parse(output.Log, arch), null);
        }
        catch (CudaCompileException e)
        {
            return new KernelReportEntry(source.Name, arch, [], e.Log);
        }
    }

    /// <summary>A fixed-width table, one row per function and arch, then each compile error in full.</summary>
    public static string Format(IEnumerable<KernelReportEntry> entries)
    {
        var text = new StringBuilder();
        text.AppendLine($"{"file",-24} {"function",-40} {"arch",-7} {"regs",5} {"smem",7} {"cmem",6} {"stack",6} {"spill st",8} {"spill ld",8}");
        var errors = new List<KernelReportEntry>();
        foreach (var entry in entries)
        {
            if (entry.Error is not null)
            {
                errors.Add(entry);
                text.AppendLine($"{entry.Source,-24} {"(compile error)",-40} {entry.Arch,-7}");
                continue;
            }
            foreach (var f in entry.Functions)
            {
                var name = f.IsEntry ? f.Function : $"{f.Function} (callee)";
                var flag = f.Spills ? "  SPILLS" : "";
                text.AppendLine($"{entry.Source,-24} {name,-40} {f.Arch,-7} {f.Registers,5} {f.SharedBytes,7} {f.ConstantBytes,6} {f.StackFrameBytes,6} {f.SpillStoreBytes,8} {f.SpillLoadBytes,8}{flag}");
            }
        }
        foreach (var entry in errors) text.AppendLine().AppendLine($"{entry.Source} for {entry.Arch}:").AppendLine(entry.Error);
        return text.ToString();
    }
}
