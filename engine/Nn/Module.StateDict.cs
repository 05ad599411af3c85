using ClipEngine.IO;

namespace ClipEngine.Nn;

// State dicts: the module's tensors by dotted name, and loading values into them in place.
public abstract partial class Module
{
    /// <summary>
    /// Parameters and persistent buffers by dotted name, in PyTorch's order: a module's own parameters, then its own
    /// buffers, then each child's entries, in registration order. The values are the module's own tensors, not copies.
    /// </summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var state = new OrderedDictionary<string, Tensor>();
        AddState(state, "");
        return state;
    }

    /// <summary>
    /// Copies values into this module's tensors, in place and converted to each tensor's dtype (F16 or BF16 into
    /// F32 parameters, say). Everything is checked before anything is copied: a shape mismatch, or floats against
    /// integers, is always an error; missing and unexpected keys are errors when <paramref name="strict"/> and
    /// are returned otherwise. Every problem is listed in one <see cref="StateDictException"/>.
    /// </summary>
    public StateDictLoadResult LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true) =>
        Load(stateDict.Select(p => (p.Key, p.Value.Dims, p.Value.DType)), strict, (name, target) => target.CopyFrom(stateDict[name]));

    /// <summary>Writes <see cref="StateDict"/> to a safetensors file (atomically: readers see the old file or the whole new one).</summary>
    public void SaveSafeTensors(string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        SafeTensors.Save(path, StateDict(), metadata);

    /// <summary><see cref="LoadStateDict"/> from a safetensors file, reading one tensor at a time.</summary>
    public StateDictLoadResult LoadSafeTensors(string path, bool strict = true)
    {
        using var file = SafeTensorsFile.Open(path);
        return Load(file.Tensors.Select(t => (t.Name, t.Shape, t.DType)), strict, (name, target) =>
        {
            using var source = SafeTensors.LoadTensor(file, name, target.Device);
            target.CopyFrom(source);
        });
    }

    private void AddState(OrderedDictionary<string, Tensor> state, string prefix)
    {
        foreach (var (name, parameter) in _parameters) state.Add(prefix + name, parameter);
        foreach (var (name, buffer) in _buffers)
            if (!_nonPersistentBuffers.Contains(name))
                state.Add(prefix + name, buffer);
        foreach (var (name, child) in _children) child.AddState(state, prefix + name + ".");
    }

    private StateDictLoadResult Load(IEnumerable<(string Name, int[] Shape, DType DType)> incoming, bool strict, Action<string, Tensor> copy)
    {
        var own = StateDict();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        var mismatched = new List<StateDictMismatch>();
        foreach (var (name, shape, dtype) in incoming)
        {
            seen.Add(name);
            if (!own.TryGetValue(name, out var target))
            {
                unexpected.Add(name);
                continue;
            }
            // Floats convert to the tensor's float dtype; integers must match exactly (a cast between them goes through F32).
            var dtypeFits = dtype == target.DType || (dtype.IsFloatingPoint() && target.DType.IsFloatingPoint());
            if (!dtypeFits || !shape.AsSpan().SequenceEqual(target.Dims))
                mismatched.Add(new StateDictMismatch(name, target.Shape, target.DType, (int[])shape.Clone(), dtype));
        }
        var missing = own.Keys.Where(k => !seen.Contains(k)).ToList();
        if (mismatched.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
            throw new StateDictException(GetType().Name, missing, unexpected, mismatched);

        foreach (var (name, target) in own)
            if (seen.Contains(name))
                copy(name, target);
        return new StateDictLoadResult(missing, unexpected);
    }
}
