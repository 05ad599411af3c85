using System.IO.Compression;

namespace ClipEngine.Clip;

/// <summary>
/// The zip written by <c>torch.save</c> or <c>torch.jit.save</c>: one top-level record folder holding <c>data.pkl</c>
/// (the pickled object), <c>data/&lt;key&gt;</c> (raw storages) and, for TorchScript, <c>constants.pkl</c> and <c>code/</c>.
/// </summary>
internal sealed class TorchArchive : IDisposable
{
    private readonly ZipArchive _zip;
    private readonly Dictionary<string, ZipArchiveEntry> _entries = new(StringComparer.Ordinal);

    private TorchArchive(string path, ZipArchive zip, CheckpointLimits limits)
    {
        FilePath = path;
        _zip = zip;
        if (zip.Entries.Count > limits.MaxZipEntries)
            throw Error($"archive lists {zip.Entries.Count} entries, more than the limit of {limits.MaxZipEntries}");
        foreach (var entry in zip.Entries)
            if (!_entries.TryAdd(entry.FullName, entry)) throw Error("entry appears twice in the archive", entry.FullName);

        var pickles = _entries.Keys.Where(name => name.EndsWith("/data.pkl", StringComparison.Ordinal) && name.IndexOf('/') == name.Length - "/data.pkl".Length).ToList();
        if (pickles.Count != 1)
            throw Error(pickles.Count == 0 ? "archive has no '<record>/data.pkl' entry, so it is not a PyTorch checkpoint" : $"archive has {pickles.Count} top-level data.pkl entries ({string.Join(", ", pickles)}); expected one");
        Prefix = pickles[0][..^"/data.pkl".Length];
        IsTorchScript = _entries.ContainsKey($"{Prefix}/constants.pkl") || _entries.Keys.Any(name => name.StartsWith($"{Prefix}/code/", StringComparison.Ordinal));

        if (_entries.ContainsKey($"{Prefix}/byteorder"))
        {
            var order = System.Text.Encoding.ASCII.GetString(Read($"{Prefix}/byteorder", 16)).Trim();
            if (order != "little") throw Error($"byte order is '{order}'; only little-endian checkpoints are supported", $"{Prefix}/byteorder");
        }
    }

    public string FilePath { get; }

    /// <summary>The record folder every entry lies in (<c>archive</c> for torch.save, the model name for TorchScript).</summary>
    public string Prefix { get; }

    /// <summary>Written by torch.jit.save: its data.pkl holds module objects rather than a state dict.</summary>
    public bool IsTorchScript { get; }

    public string DataPickle => $"{Prefix}/data.pkl";

    public static TorchArchive Open(string path, CheckpointLimits limits)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            ZipArchive zip;
            try
            {
                zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
            }
            catch (InvalidDataException e)
            {
                throw new CheckpointFormatException(path, $"not a readable zip archive (truncated or corrupt?): {e.Message}", innerException: e);
            }

            try
            {
                return new TorchArchive(path, zip, limits);
            }
            catch
            {
                zip.Dispose();
                throw;
            }
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Names of entries under a folder of the record, e.g. <c>code/</c>.</summary>
    public IEnumerable<string> EntriesUnder(string folder) =>
        _entries.Keys.Where(name => name.StartsWith($"{Prefix}/{folder}", StringComparison.Ordinal));

    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <summary>The bytes of one entry, at most <paramref name="maxBytes"/> of them, checked against the size the directory declares.</summary>
    public byte[] Read(string name, long maxBytes)
    {
        if (!_entries.TryGetValue(name, out var entry)) throw Error("entry is missing from the archive", name);
        if (entry.Length > maxBytes) throw Error($"entry is {entry.Length} bytes, more than the limit of {maxBytes}", name);
        var bytes = new byte[entry.Length];
        try
        {
            using var stream = entry.Open();
            stream.ReadExactly(bytes);
            if (stream.ReadByte() >= 0) throw Error($"entry holds more than the {entry.Length} bytes its directory record declares", name);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException and not CheckpointFormatException)
        {
            throw Error($"entry cannot be read (truncated or corrupt archive?): {e.Message}", name, e);
        }
        return bytes;
    }

    public void Dispose() => _zip.Dispose();

    public CheckpointFormatException Error(string detail, string? entry = null, Exception? inner = null) => new(FilePath, detail, entry, innerException: inner);
}
