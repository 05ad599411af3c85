namespace ClipEngine.Tests.Support;

/// <summary>The golden files of the original implementation, read in place from ../shared/goldens (never copied into the project).</summary>
public static class Goldens
{
    /// <summary>The first directory named shared/goldens above the test binaries.</summary>
    public static string Directory { get; } = Find();

    public static string File(string name) => Path.Combine(Directory, name);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "goldens");
            if (System.IO.Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"no shared/goldens directory above {AppContext.BaseDirectory}");
    }
}
