using System.Text.Json;
using ClipEngine.IO;

namespace ClipEngine.Clip;

/// <summary>
/// A CLIP checkpoint read into a state dict with OpenAI's key names: floating-point tensors as F32 on the CPU
/// (fp16, bf16 and f64 weights converted), integer tensors as I64 or I32. Reads safetensors in OpenAI/open_clip or
/// Hugging Face naming, OpenAI's TorchScript <c>.pt</c> archives and <c>torch.save</c> zips; the pickles inside
/// archives go through a restricted unpickler that builds tensors and nothing else. Owns its tensors: dispose it,
/// or take what you need before it goes (tensors made inside a <see cref="TensorScope"/> belong to that scope too).
/// </summary>
public sealed class ClipCheckpoint : IDisposable
{
    private readonly Dictionary<string, Tensor> _stateDict;

    private ClipCheckpoint(string filePath, Dictionary<string, Tensor> stateDict, string? configJson, CheckpointFormat format)
    {
        FilePath = filePath;
        _stateDict = stateDict;
        ConfigJson = configJson;
        Format = format;
    }

    public string FilePath { get; }

    /// <summary>OpenAI state-dict keys → tensors, in the file's order. OpenAI's TorchScript scalars <c>input_resolution</c>, <c>context_length</c> and <c>vocab_size</c> are left out, as its build_model leaves them.</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict => _stateDict;

    /// <summary>The model config, if the checkpoint carries or sits beside one (see remarks of <see cref="Read"/>); null when the model must be built from shapes.</summary>
    public string? ConfigJson { get; }

    public CheckpointFormat Format { get; }

    /// <summary>
    /// Reads a checkpoint, telling the format from the content (zip or safetensors) and the key names.
    /// The config comes from the safetensors <c>__metadata__["config"]</c>, else from <c>&lt;stem&gt;.json</c>,
    /// <c>open_clip_config.json</c> (its <c>model_cfg</c>) or <c>config.json</c> beside the file; a Hugging Face
    /// config is translated into open_clip's shape (<c>embed_dim</c>, <c>quick_gelu</c>, <c>vision_cfg</c>, <c>text_cfg</c>).
    /// Malformed, unsafe or oversized input throws <see cref="CheckpointFormatException"/> (or <see cref="SafeTensorsFormatException"/>).
    /// </summary>
    public static ClipCheckpoint Read(string path, CheckpointLimits? limits = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        limits ??= CheckpointLimits.Default;
        var (tensors, metadataConfig, format) = ReadContainer(path, limits);
        if (HuggingFaceNames.IsHuggingFace(tensors.Select(t => t.Key)))
        {
            tensors = Wrap(path, () => HuggingFaceNames.ToOpenAi(tensors));
            if (format == CheckpointFormat.OpenAiSafeTensors) format = CheckpointFormat.HuggingFaceSafeTensors;
        }

        var config = CheckpointConfig.Find(path, metadataConfig, limits);
        var stateDict = new Dictionary<string, Tensor>(tensors.Count, StringComparer.Ordinal);
        try
        {
            foreach (var (name, tensor) in tensors)
            {
                if (stateDict.ContainsKey(name)) throw new CheckpointFormatException(path, $"key '{name}' appears twice once names are mapped to OpenAI's");
                stateDict.Add(name, tensor.ToTensor());
            }
        }
        catch
        {
            foreach (var t in stateDict.Values) t.Dispose();
            throw;
        }
        return new ClipCheckpoint(path, stateDict, config, format);
    }

    /// <summary>
    /// Writes a state dict (OpenAI names) as safetensors: floating-point tensors in <paramref name="dtype"/>, the
    /// config in <c>__metadata__["config"]</c> and in <c>&lt;stem&gt;.json</c> beside the file. Both writes are atomic.
    /// </summary>
    public static void SaveSafeTensors(string path, IReadOnlyDictionary<string, Tensor> stateDict, string? configJson, DType dtype = DType.F32)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(stateDict);
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"weights are saved in a floating-point dtype, not {dtype}", nameof(dtype));
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        if (configJson is not null)
        {
            try
            {
                using var _ = JsonDocument.Parse(configJson);
            }
            catch (JsonException e)
            {
                throw new ArgumentException($"config is not valid JSON: {e.Message}", nameof(configJson), e);
            }
            metadata[CheckpointConfig.MetadataKey] = configJson;
        }

        var entries = stateDict.Select(p => ToEntry(p.Key, p.Value, dtype)).ToList();
        SafeTensorsWriter.Save(path, entries, metadata);
        if (configJson is not null) AtomicFile.WriteAllText(Path.ChangeExtension(path, ".json"), configJson);
    }

    /// <summary>
    /// Reads any supported checkpoint and writes it as <paramref name="target"/>: our own safetensors
    /// (<see cref="SaveSafeTensors"/>, F32) or Hugging Face <c>CLIPModel</c> safetensors with a <c>config.json</c>
    /// written beside the output (head counts from the config, else width / 64 as OpenAI's build_model assumes).
    /// </summary>
    public static void Convert(string input, string output, CheckpointFormat target = CheckpointFormat.OpenAiSafeTensors, CheckpointLimits? limits = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(output);
        if (target is not (CheckpointFormat.OpenAiSafeTensors or CheckpointFormat.HuggingFaceSafeTensors))
            throw new ArgumentException($"checkpoints are converted to {CheckpointFormat.OpenAiSafeTensors} or {CheckpointFormat.HuggingFaceSafeTensors}, not {target}", nameof(target));
        using var checkpoint = Read(input, limits);
        if (target == CheckpointFormat.OpenAiSafeTensors)
        {
            SaveSafeTensors(output, checkpoint.StateDict, checkpoint.ConfigJson);
            return;
        }

        var shapes = checkpoint.StateDict.ToDictionary(p => p.Key, p => p.Value.Shape, StringComparer.Ordinal);
        var dims = Wrap(input, () => ClipDims.FromStateDict(shapes, checkpoint.ConfigJson));
        var hf = Wrap(input, () => HuggingFaceNames.FromOpenAi(checkpoint.StateDict.Select(p => new KeyValuePair<string, HostTensor>(p.Key, HostTensor.FromTensor(p.Value)))));
        SafeTensorsWriter.Save(output, hf.Select(p => new SafeTensorEntry(p.Key, p.Value.DType, p.Value.Shape, p.Value.Data)), new Dictionary<string, string> { ["format"] = "pt" });
        AtomicFile.WriteAllText(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output))!, "config.json"), dims.ToHuggingFaceJson());
    }

    public void Dispose()
    {
        foreach (var tensor in _stateDict.Values) tensor.Dispose();
        _stateDict.Clear();
    }

    private static (List<KeyValuePair<string, HostTensor>> Tensors, string? MetadataConfig, CheckpointFormat Format) ReadContainer(string path, CheckpointLimits limits)
    {
        Span<byte> head = stackalloc byte[9];
        int read;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..read];

        if (head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8))
        {
            var (tensors, isTorchScript) = TorchCheckpointReader.Read(path, limits);
            return (tensors, null, isTorchScript ? CheckpointFormat.TorchScript : CheckpointFormat.TorchSave);
        }

        if (head.Length >= 2 && head[0] == 0x80 && head[1] <= 5)
            throw new CheckpointFormatException(path, "a legacy torch.save pickle (PyTorch < 1.6), not a zip archive; re-save it with a current torch.save or as safetensors");
        if (head.Length < 9 || head[8] != (byte)'{')
            throw new CheckpointFormatException(path, $"neither a safetensors file nor a zip archive (starts with {System.Convert.ToHexString(head)})");

        using var file = SafeTensorsFile.Open(path, limits.SafeTensors);
        var result = new List<KeyValuePair<string, HostTensor>>(file.Tensors.Count);
        foreach (var info in file.Tensors)
        {
            var stored = ElementConversion.StoredType(info.DType);
            result.Add(new(info.Name, new HostTensor(stored.LoadedDType(), (int[])info.Shape.Clone(), ElementConversion.Widen(stored, file.GetBytes(info.Name)))));
        }
        return (result, file.Metadata.GetValueOrDefault(CheckpointConfig.MetadataKey), CheckpointFormat.OpenAiSafeTensors);
    }

    private static SafeTensorEntry ToEntry(string name, Tensor tensor, DType dtype)
    {
        if (!tensor.DType.IsFloatingPoint() || tensor.DType == dtype) return new SafeTensorEntry(name, tensor.DType, tensor.Shape, tensor.ToBytes());
        using var converted = tensor.To(dtype);
        return new SafeTensorEntry(name, dtype, tensor.Shape, converted.ToBytes());
    }

    // Mapping and shape errors are reported against the checkpoint they came from.
    private static T Wrap<T>(string path, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException(path, e.Message, innerException: e);
        }
    }
}
