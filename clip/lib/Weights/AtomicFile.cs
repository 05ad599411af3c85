namespace ClipEngine.Clip;

/// <summary>Text files written the way <see cref="IO.SafeTensorsWriter"/> writes tensors: to a temporary name beside the target, flushed, then renamed over it.</summary>
internal static class AtomicFile
{
    public static void WriteAllText(string path, string text)
    {
        var fullPath = Path.GetFullPath(path);
        var tempPath = Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(System.Text.Encoding.UTF8.GetBytes(text));
                stream.Flush(flushToDisk: true);
            }
            File.Move(tempPath, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    // Best effort: a failure to clean up must not hide the error that made the write fail.
    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
