namespace ClipEngine.IO;

/// <summary>Safetensors files as tensors: the bridge between <see cref="SafeTensorsFile"/> / <see cref="SafeTensorsWriter"/> and <see cref="Tensor"/>.</summary>
public static class SafeTensors
{
    /// <summary>Every tensor of the file, in the file's data order, on <paramref name="device"/> (default CPU) in its stored dtype.</summary>
    public static Dictionary<string, Tensor> Load(string path, Device? device = null)
    {
        using var file = SafeTensorsFile.Open(path);
        var tensors = new Dictionary<string, Tensor>(file.Tensors.Count, StringComparer.Ordinal);
        try
        {
            foreach (var info in file.Tensors) tensors.Add(info.Name, LoadTensor(file, info.Name, device));
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return tensors;
    }

    /// <summary>One tensor of an open file, copied out of the mapping onto <paramref name="device"/>.</summary>
    public static Tensor LoadTensor(SafeTensorsFile file, string name, Device? device = null)
    {
        var info = file[name];
        return Tensor.FromBytes(file.GetBytes(name), info.DType, info.Shape, device);
    }

    /// <summary>Writes the tensors in the given order, atomically (see <see cref="SafeTensorsWriter.Save"/>).</summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        SafeTensorsWriter.Save(path, tensors.Select(p => new SafeTensorEntry(p.Key, p.Value.DType, p.Value.Shape, p.Value.ToBytes())), metadata);
}
