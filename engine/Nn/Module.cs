namespace ClipEngine.Nn;

/// <summary>
/// A building block of a model, as torch.nn.Module: it owns named parameters (leaf tensors that want gradients),
/// named buffers (state that is not trained, such as running statistics) and named child modules. Names join
/// with dots down the tree ("visual.transformer.0.attn.in_proj_weight") and everything is listed in
/// registration order, so state dicts line up with PyTorch's. Registered tensors live outside every
/// <see cref="TensorScope"/> and are disposed with the module.
/// </summary>
public abstract partial class Module : IDisposable
{
    private readonly OrderedDictionary<string, Tensor> _parameters = [];
    private readonly OrderedDictionary<string, Tensor> _buffers = [];
    private readonly HashSet<string> _nonPersistentBuffers = [];
    private readonly OrderedDictionary<string, Module> _children = [];

    /// <summary>True in training mode (the default), false after <see cref="Eval"/>; layers such as dropout read it.</summary>
    public bool IsTraining { get; private set; } = true;

    /// <summary>The module applied to one tensor. Modules with other signatures (several inputs, no forward at all) do not override it.</summary>
    public virtual Tensor Forward(Tensor input) =>
        throw new NotSupportedException($"{GetType().Name} does not define Forward(Tensor)");

    /// <summary>Adds a parameter: it becomes a leaf with RequiresGrad = true, owned by this module.</summary>
    public Tensor RegisterParameter(string name, Tensor parameter)
    {
        CheckNewName(name);
        if (!parameter.IsLeaf)
            throw new ArgumentException($"parameter '{name}' must be a leaf tensor, not the output of {parameter.GradFn!.Name}; pass its Detach()", nameof(parameter));
        parameter.RequiresGrad = true;
        TensorScope.Untrack(parameter);
        _parameters.Add(name, parameter);
        return parameter;
    }

    /// <summary>Adds a buffer: state that is saved (unless not <paramref name="persistent"/>) and moved with the module but not trained.</summary>
    public Tensor RegisterBuffer(string name, Tensor buffer, bool persistent = true)
    {
        CheckNewName(name);
        TensorScope.Untrack(buffer);
        _buffers.Add(name, buffer);
        if (!persistent) _nonPersistentBuffers.Add(name);
        return buffer;
    }

    public T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckNewName(name);
        _children.Add(name, module);
        return module;
    }

    /// <summary>Every parameter of this module and its descendants with its dotted name; a tensor registered twice is listed once.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedParameters()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in NamedModules())
        foreach (var (name, parameter) in module._parameters)
            if (seen.Add(parameter))
                yield return new(Join(prefix, name), parameter);
    }

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Value);

    public IEnumerable<KeyValuePair<string, Tensor>> NamedBuffers()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in NamedModules())
        foreach (var (name, buffer) in module._buffers)
            if (seen.Add(buffer))
                yield return new(Join(prefix, name), buffer);
    }

    public IEnumerable<Tensor> Buffers() => NamedBuffers().Select(b => b.Value);

    /// <summary>The direct children, in registration order.</summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedChildren() => _children;

    /// <summary>This module (named "") and every descendant, depth first in registration order; a module reachable twice is listed once.</summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedModules()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<KeyValuePair<string, Module>>();
        stack.Push(new("", this));
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            if (!seen.Add(current.Value)) continue;
            yield return current;
            var children = current.Value._children;
            for (var i = children.Count - 1; i >= 0; i--)
            {
                var (name, child) = children.GetAt(i);
                stack.Push(new(Join(current.Key, name), child));
            }
        }
    }

    /// <summary>Sets training mode on this module and every descendant.</summary>
    public Module Train(bool mode = true)
    {
        foreach (var (_, module) in NamedModules()) module.IsTraining = mode;
        return this;
    }

    public Module Eval() => Train(false);

    /// <summary>
    /// Moves every parameter, its gradient and every buffer to <paramref name="device"/>. The module holds new
    /// tensors afterwards (the old ones are disposed), so build optimizers after moving, as in PyTorch.
    /// </summary>
    public Module To(Device device)
    {
        using var _ = Autograd.NoGrad();
        // Old tensor → its copy, so that a tensor registered in two places stays one tensor.
        var moved = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (_, module) in NamedModules())
        {
            MoveAll(module._parameters, device, moved);
            MoveAll(module._buffers, device, moved);
        }
        foreach (var old in moved.Keys) old.Dispose();
        return this;
    }

    /// <summary>Disposes every parameter (with its gradient) and buffer of this module and its descendants.</summary>
    public void Dispose()
    {
        foreach (var (_, module) in NamedModules())
        {
            foreach (var (_, parameter) in module._parameters) parameter.Dispose();
            foreach (var (_, buffer) in module._buffers) buffer.Dispose();
        }
    }

    /// <summary>This module's own parameter (not a descendant's); modules expose theirs through properties built on it.</summary>
    protected Tensor Parameter(string name) => _parameters.TryGetValue(name, out var p)
        ? p
        : throw new KeyNotFoundException($"{GetType().Name} has no parameter '{name}'");

    /// <summary>This module's own buffer (not a descendant's).</summary>
    protected Tensor Buffer(string name) => _buffers.TryGetValue(name, out var b)
        ? b
        : throw new KeyNotFoundException($"{GetType().Name} has no buffer '{name}'");

    private void CheckNewName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('.'))
            throw new ArgumentException($"name '{name}' contains '.', which separates the levels of dotted names", nameof(name));
        if (_parameters.ContainsKey(name) || _buffers.ContainsKey(name) || _children.ContainsKey(name))
            throw new ArgumentException($"{GetType().Name} already has a parameter, buffer or module named '{name}'", nameof(name));
    }

    private static void MoveAll(OrderedDictionary<string, Tensor> tensors, Device device, Dictionary<Tensor, Tensor> moved)
    {
        for (var i = 0; i < tensors.Count; i++)
        {
            var tensor = tensors.GetAt(i).Value;
            if (tensor.Device == device) continue;
            if (!moved.TryGetValue(tensor, out var copy))
            {
                copy = tensor.To(device);
                TensorScope.Untrack(copy);
                copy.RequiresGrad = tensor.RequiresGrad;
                if (tensor.Grad is { } grad)
                {
                    copy.Grad = grad.To(device);
                    TensorScope.Untrack(copy.Grad);
                }
                moved.Add(tensor, copy);
            }
            tensors.SetAt(i, copy);
        }
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;
}
