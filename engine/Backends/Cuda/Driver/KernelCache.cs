using System.Security.Cryptography;
using System.Text;

namespace ClipEngine.Backends.Cuda;

/// <summary>
/// Compiled kernel images on disk, so a kernel is compiled once per source, options, target and compiler version.
/// The directory is <c>$CLIPENGINE_KERNEL_CACHE</c>, else <c>$XDG_CACHE_HOME/clipengine/kernels</c>, else
/// <c>~/.cache/clipengine/kernels</c>. Entries are written to a temporary file and renamed, so a crash or a
/// concurrent process never leaves a torn image behind.
/// </summary>
public static class KernelCache
{
    public static string Directory
    {
        get
        {
            var overridden = Environment.GetEnvironmentVariable("CLIPENGINE_KERNEL_CACHE");
            if (!string.IsNullOrEmpty(overridden)) return overridden;
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = !string.IsNullOrEmpty(xdg)
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "clipengine", "kernels");
        }
    }

    /// <summary>A stable hex key over everything that determines the compiled image.</summary>
    public static string Key(KernelSource source, string compilerIdentity, IEnumerable<string> options)
    {
        var text = new StringBuilder()
            .Append(compilerIdentity).Append('\0')
            .AppendJoin('\u0001', options).Append('\0')
            .Append(source.Name).Append('\0').Append(source.Code).Append('\0');
        foreach (var (name, code) in source.Headers.OrderBy(h => h.Key, StringComparer.Ordinal))
            text.Append(name).Append('\0').Append(code).Append('\0');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32];
    }

    /// <summary>
    /// The path of the cached image named <paramref name="key"/>, building it with <paramref name="build"/> (which
    /// writes the image to the temporary path it is given) when it is not there yet.
    /// </summary>
    public static string GetOrBuild(string sourceName, string key, string extension, Action<string> build)
    {
        var directory = Directory;
        System.IO.Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{Path.GetFileNameWithoutExtension(sourceName)}-{key}{extension}");
        if (File.Exists(path)) return path;
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            build(temporary);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        return path;
    }
}
