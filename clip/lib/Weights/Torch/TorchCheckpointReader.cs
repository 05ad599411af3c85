namespace ClipEngine.Clip;

/// <summary>
/// Reads a torch.save or TorchScript zip into a flat state dict: the pickle through <see cref="RestrictedUnpickler"/>,
/// module objects flattened to dotted attribute paths (what <c>state_dict()</c> gives), views materialised from their storages.
/// </summary>
internal static class TorchCheckpointReader
{
    /// <summary>OpenAI's TorchScript CLIP keeps these scalars as buffers; its build_model deletes them before loading, and so do we.</summary>
    public static readonly IReadOnlyList<string> NonParameterKeys = ["input_resolution", "context_length", "vocab_size"];

    public static (List<KeyValuePair<string, HostTensor>> Tensors, bool IsTorchScript) Read(string path, CheckpointLimits limits)
    {
        using var archive = TorchArchive.Open(path, limits);
        var root = new RestrictedUnpickler(archive.Read(archive.DataPickle, limits.MaxPickleBytes), path, archive.DataPickle, limits).Load();
        var declarations = archive.IsTorchScript ? TorchScriptDeclarations.Read(archive, limits) : TorchScriptDeclarations.Empty;

        var views = new List<KeyValuePair<string, TorchTensor>>();
        switch (root)
        {
            case TorchObject module:
                Flatten(module, "", declarations, views, 0, limits, archive);
                break;
            case PickleDict dict:
                CollectStateDict(dict, views, archive);
                break;
            default:
                throw archive.Error($"the pickled object is {PickleGlobals.Describe(root)}, neither a TorchScript module nor a state dict", archive.DataPickle);
        }

        views.RemoveAll(v => NonParameterKeys.Contains(v.Key));
        var storages = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var tensors = views.Select(v => new KeyValuePair<string, HostTensor>(v.Key, Materialize(v.Key, v.Value, storages, archive, limits))).ToList();
        return (tensors, archive.IsTorchScript);
    }

    private static void Flatten(TorchObject module, string prefix, TorchScriptDeclarations declarations, List<KeyValuePair<string, TorchTensor>> views, int depth, CheckpointLimits limits, TorchArchive archive)
    {
        if (depth > limits.MaxDepth)
            throw archive.Error($"modules nest deeper than the limit of {limits.MaxDepth} at '{prefix}' (or refer to themselves)", archive.DataPickle);
        foreach (var (name, value) in module.Attributes)
        {
            switch (value)
            {
                case TorchTensor tensor when declarations.IsState(module.ClassName, name):
                    views.Add(new(prefix + name, tensor));
                    break;
                case TorchObject child:
                    Flatten(child, $"{prefix}{name}.", declarations, views, depth + 1, limits, archive);
                    break;
            }
        }
    }

    /// <summary>A name → tensor dict, or a training checkpoint holding one under "state_dict"; DataParallel's "module." prefix is dropped.</summary>
    private static void CollectStateDict(PickleDict dict, List<KeyValuePair<string, TorchTensor>> views, TorchArchive archive)
    {
        if (dict.Items.TryGetValue("state_dict", out var nested))
            dict = nested as PickleDict ?? throw archive.Error($"'state_dict' is {PickleGlobals.Describe(nested)}, not a dict", archive.DataPickle);
        foreach (var (key, value) in dict.Items)
        {
            var name = key as string ?? throw archive.Error($"state dict key {key} is {PickleGlobals.Describe(key)}, not a str", archive.DataPickle);
            var tensor = value as TorchTensor ?? throw archive.Error($"state dict entry '{name}' is {PickleGlobals.Describe(value)}, not a tensor", archive.DataPickle);
            views.Add(new(name, tensor));
        }

        const string parallelPrefix = "module.";
        if (views.Count > 0 && views.All(v => v.Key.StartsWith(parallelPrefix, StringComparison.Ordinal)))
            for (var i = 0; i < views.Count; i++) views[i] = new(views[i].Key[parallelPrefix.Length..], views[i].Value);
    }

    private static HostTensor Materialize(string name, TorchTensor view, Dictionary<string, byte[]> storages, TorchArchive archive, CheckpointLimits limits)
    {
        var storage = view.Storage;
        var size = storage.Type.ElementSize();
        var entry = $"{archive.Prefix}/data/{storage.Key}";
        if (!storages.TryGetValue(storage.Key, out var bytes))
        {
            if (!archive.Contains(entry)) throw archive.Error($"tensor '{name}' uses storage '{storage.Key}', which has no entry in the archive", entry);
            storages[storage.Key] = bytes = archive.Read(entry, limits.MaxStorageBytes);
        }
        if (bytes.Length % size != 0 || bytes.Length / size != storage.ElementCount)
            throw archive.Error($"storage holds {bytes.Length} bytes but tensor '{name}' declares it as {storage.ElementCount} {storage.Type} elements of {size} bytes", entry);

        // A view may repeat elements (stride 0), so its own size needs a bound beside the storage's.
        var count = 1.0;
        foreach (var dim in view.Size) count *= dim;
        if (count * size > limits.MaxStorageBytes)
            throw archive.Error($"tensor '{name}' of shape [{string.Join(", ", view.Size)}] needs more than the limit of {limits.MaxStorageBytes} bytes", archive.DataPickle);

        var contiguous = new byte[(long)count * size];
        if (contiguous.Length > 0) Gather(bytes, view, size, contiguous);
        return new HostTensor(storage.Type.LoadedDType(), [.. view.Size.Select(d => (int)d)], ElementConversion.Widen(storage.Type, contiguous));
    }

    /// <summary>Copies a strided view's elements into row-major order, a row at a time where the last dim is dense; the view was bounds-checked against its storage when it was unpickled.</summary>
    private static void Gather(byte[] storage, TorchTensor view, int elementSize, byte[] destination)
    {
        var rank = view.Size.Length;
        var rowLength = rank == 0 ? 1 : view.Size[^1];
        var denseRows = rank == 0 || view.Stride[^1] == 1 || rowLength == 1;
        var outer = rank == 0 ? 0 : rank - 1;
        var index = new long[outer];
        var rowBytes = (int)(rowLength * elementSize);
        for (var written = 0; written < destination.Length; written += rowBytes)
        {
            var at = view.StorageOffset;
            for (var d = 0; d < outer; d++) at += index[d] * view.Stride[d];
            if (denseRows)
            {
                storage.AsSpan((int)(at * elementSize), rowBytes).CopyTo(destination.AsSpan(written));
            }
            else
            {
                for (var j = 0; j < rowLength; j++)
                    storage.AsSpan((int)((at + j * view.Stride[^1]) * elementSize), elementSize).CopyTo(destination.AsSpan(written + j * elementSize));
            }
            for (var d = outer - 1; d >= 0 && ++index[d] == view.Size[d]; d--) index[d] = 0;
        }
    }
}
