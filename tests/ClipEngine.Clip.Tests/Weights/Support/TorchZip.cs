using System.IO.Compression;

namespace ClipEngine.Clip.Tests.Weights.Support;

/// <summary>Zip archives laid out as torch.save (<c>archive/…</c>) and torch.jit.save (<c>&lt;name&gt;/…</c> with code/ and constants.pkl) write them.</summary>
internal static class TorchZip
{
    public static void Write(string path, string prefix, byte[] dataPickle, IReadOnlyDictionary<string, byte[]> storages, IReadOnlyDictionary<string, string>? otherEntries = null)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        void Add(string name, byte[] bytes)
        {
            using var stream = zip.CreateEntry($"{prefix}/{name}", CompressionLevel.NoCompression).Open();
            stream.Write(bytes);
        }

        Add("data.pkl", dataPickle);
        foreach (var (key, bytes) in storages) Add($"data/{key}", bytes);
        foreach (var (name, text) in otherEntries ?? new Dictionary<string, string>()) Add(name, System.Text.Encoding.UTF8.GetBytes(text));
        Add("version", "3\n"u8.ToArray());
    }

    public static byte[] Floats(params float[] values) => [.. values.SelectMany(BitConverter.GetBytes)];

    public static byte[] Halves(params float[] values) => [.. values.SelectMany(v => BitConverter.GetBytes((Half)v))];

    public static byte[] Longs(params long[] values) => [.. values.SelectMany(BitConverter.GetBytes)];
}
