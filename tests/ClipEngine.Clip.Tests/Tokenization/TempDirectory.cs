namespace ClipEngine.Clip.Tests.Tokenization;

/// <summary>A directory under the system temp folder, deleted with its files on Dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("cliptok-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
