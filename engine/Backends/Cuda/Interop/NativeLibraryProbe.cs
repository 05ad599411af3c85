using System.Runtime.InteropServices;

namespace ClipEngine.Backends.Cuda.Interop;

/// <summary>
/// Finds one native library by trying an environment override, then versioned file names, in order. The probe runs
/// once, on first use, and never throws: a missing library is a value (<see cref="IsLoaded"/> false) whose
/// <see cref="Tried"/> list says every path attempted and why each failed.
/// </summary>
internal sealed class NativeLibraryProbe
{
    private readonly Lazy<(nint Handle, string? Path, IReadOnlyList<string> Tried)> _result;

    /// <param name="companion">
    /// Maps a candidate path to a library it needs that the loader may not find on its own (cuBLAS needs cuBLASLt
    /// of the same version, next to it); that one is loaded first, from the same directory.
    /// </param>
    public NativeLibraryProbe(string displayName, string environmentVariable, string[] linuxNames, string[] windowsNames,
        Func<string, string>? companion = null)
    {
        DisplayName = displayName;
        EnvironmentVariable = environmentVariable;
        _result = new(() => Probe(environmentVariable, OperatingSystem.IsWindows() ? windowsNames : linuxNames, companion));
    }

    /// <summary>What the library is, for messages: "libcuda (CUDA driver)".</summary>
    public string DisplayName { get; }

    /// <summary>The variable that, when set, names the only file to try.</summary>
    public string EnvironmentVariable { get; }

    public bool IsLoaded => _result.Value.Handle != 0;

    public nint Handle => _result.Value.Handle;

    /// <summary>The file that loaded, or null.</summary>
    public string? Path => _result.Value.Path;

    /// <summary>Each attempt that failed, as "name: reason".</summary>
    public IReadOnlyList<string> Tried => _result.Value.Tried;

    /// <summary>Why the library is not there, listing every attempt; null when it loaded.</summary>
    public string? FailureReason => IsLoaded
        ? null
        : $"{DisplayName} could not be loaded (set {EnvironmentVariable} to its full path to choose one); tried:\n  "
          + string.Join("\n  ", Tried);

    /// <summary>The handle, or a <see cref="CudaException"/> naming every path tried.</summary>
    public nint Require() => IsLoaded ? Handle : throw new CudaException(FailureReason!);

    private static (nint, string?, IReadOnlyList<string>) Probe(string environmentVariable, string[] names,
        Func<string, string>? companion)
    {
        var overridden = Environment.GetEnvironmentVariable(environmentVariable);
        string[] candidates = string.IsNullOrEmpty(overridden) ? names : [overridden];
        var tried = new List<string>();
        foreach (var name in candidates)
        {
            try
            {
                // Best effort: when it loads, the library below finds it by soname; when not, its own error says so.
                if (companion is not null) _ = NativeLibrary.TryLoad(companion(name), out _);
                return (NativeLibrary.Load(name), name, tried);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                var source = string.IsNullOrEmpty(overridden) ? "" : $" (from {environmentVariable})";
                tried.Add($"{name}{source}: {LoaderReason(name, e.Message)}");
            }
        }
        return (0, null, tried);
    }

    // .NET's message is a generic paragraph followed by the loader's own line ("name: cannot open shared object
    // file: No such file or directory"); the loader's line is the useful part.
    private static string LoaderReason(string name, string message)
    {
        var last = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
        return last.StartsWith($"{name}: ", StringComparison.Ordinal) ? last[(name.Length + 2)..] : last;
    }
}
