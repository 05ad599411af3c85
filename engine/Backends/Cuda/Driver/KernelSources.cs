namespace ClipEngine.Backends.Cuda;

/// <summary>
/// The kernel sources of kernels/, embedded in this assembly as resources named by their path under kernels/
/// ("elementwise.cu", "common.cuh", "emu/cuda_emu.h"). A kernel file is a top-level *.cu; the headers it may
/// include are the top-level *.cuh files.
/// </summary>
public static class KernelSources
{
    private const string Prefix = "kernels/";

    private static readonly Lazy<IReadOnlyDictionary<string, string>> Files = new(ReadAll);

    /// <summary>Every embedded file under kernels/, by relative path.</summary>
    public static IReadOnlyDictionary<string, string> AllFiles => Files.Value;

    /// <summary>The names of the kernel files, e.g. "elementwise.cu", sorted.</summary>
    public static IReadOnlyList<string> KernelNames =>
        [.. Files.Value.Keys.Where(IsTopLevelKernel).OrderBy(n => n, StringComparer.Ordinal)];

    /// <summary>One kernel file with the shared headers it may include.</summary>
    public static KernelSource Get(string name)
    {
        if (!Files.Value.TryGetValue(name, out var code) || !IsTopLevelKernel(name))
            throw new ArgumentException($"no kernel source '{name}' in kernels/ (have: {string.Join(", ", KernelNames)})", nameof(name));
        var headers = Files.Value
            .Where(f => !f.Key.Contains('/') && f.Key.EndsWith(".cuh", StringComparison.Ordinal))
            .ToDictionary(f => f.Key, f => f.Value);
        return new KernelSource(name, code, headers);
    }

    private static bool IsTopLevelKernel(string name) => !name.Contains('/') && name.EndsWith(".cu", StringComparison.Ordinal);

    private static IReadOnlyDictionary<string, string> ReadAll()
    {
        var assembly = typeof(KernelSources).Assembly;
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            files[resource[Prefix.Length..].Replace('\\', '/')] = reader.ReadToEnd();
        }
        return files;
    }
}
