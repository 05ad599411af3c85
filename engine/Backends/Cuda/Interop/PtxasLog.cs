using System.Text.RegularExpressions;

namespace ClipEngine.Backends.Cuda;

/// <summary>What ptxas reported for one function of a compiled kernel file (bytes, except registers per thread).</summary>
public sealed record KernelResourceUsage(
    string Function,
    string Arch,
    bool IsEntry,
    int Registers,
    int SharedBytes,
    int ConstantBytes,
    int StackFrameBytes,
    int SpillStoreBytes,
    int SpillLoadBytes)
{
    public bool Spills => SpillStoreBytes > 0 || SpillLoadBytes > 0;
}

/// <summary>
/// Reads the resource lines that <c>--ptxas-options=-v</c> adds to NVRTC's log:
/// <code>
/// ptxas info    : Compiling entry function 'k' for 'sm_80'
/// ptxas info    : Function properties for k
/// ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
/// ptxas info    : Used 14 registers, 800 bytes smem, 360 bytes cmem[0]
/// </code>
/// Newer ptxas inserts fields ("used 1 barriers"), so each number is matched on its own. A non-inlined device
/// function has a properties block but no "Compiling entry function" or "Used" line; it is kept (its spills count).
/// </summary>
public static partial class PtxasLog
{
    public static IReadOnlyList<KernelResourceUsage> Parse(string log, string defaultArch = "")
    {
        var functions = new List<KernelResourceUsage>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var arch = defaultArch;
        string? entry = null, properties = null;

        int Find(string name, bool isEntry)
        {
            if (index.TryGetValue(name, out var i))
            {
                if (isEntry) functions[i] = functions[i] with { IsEntry = true, Arch = arch };
                return i;
            }
            functions.Add(new KernelResourceUsage(name, arch, isEntry, 0, 0, 0, 0, 0, 0));
            return index[name] = functions.Count - 1;
        }

        foreach (var line in log.Split('\n'))
        {
            if (EntryLine().Match(line) is { Success: true } compiling)
            {
                entry = compiling.Groups[1].Value;
                arch = compiling.Groups[2].Value;
                Find(entry, isEntry: true);
            }
            else if (PropertiesLine().Match(line) is { Success: true } header)
            {
                properties = header.Groups[1].Value;
                Find(properties, isEntry: false);
            }
            else if (StackLine().Match(line) is { Success: true } stack && properties is not null)
            {
                var i = Find(properties, isEntry: false);
                functions[i] = functions[i] with
                {
                    StackFrameBytes = Number(stack, 1), SpillStoreBytes = Number(stack, 2), SpillLoadBytes = Number(stack, 3),
                };
            }
            else if (RegistersLine().Match(line) is { Success: true } used && entry is not null)
            {
                var i = Find(entry, isEntry: true);
                functions[i] = functions[i] with
                {
                    Registers = Number(used, 1),
                    SharedBytes = Field(SharedField(), line),
                    ConstantBytes = Field(ConstantField(), line),
                };
            }
        }
        return functions;
    }

    private static int Number(Match match, int group) => int.Parse(match.Groups[group].ValueSpan);

    private static int Field(Regex field, string line) => field.Match(line) is { Success: true } m ? Number(m, 1) : 0;

    [GeneratedRegex(@"Compiling entry function '([^']+)' for '([^']+)'")]
    private static partial Regex EntryLine();

    [GeneratedRegex(@"Function properties for (\S+)")]
    private static partial Regex PropertiesLine();

    [GeneratedRegex(@"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")]
    private static partial Regex StackLine();

    [GeneratedRegex(@"Used (\d+) registers")]
    private static partial Regex RegistersLine();

    [GeneratedRegex(@"(\d+) bytes smem")]
    private static partial Regex SharedField();

    [GeneratedRegex(@"(\d+) bytes cmem\[0\]")]
    private static partial Regex ConstantField();
}
