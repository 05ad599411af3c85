namespace ClipEngine;

/// <summary>
/// Disposes every tensor created on this thread while it is the innermost scope, except those passed to
/// <see cref="Keep"/>. Training steps run inside one so that activations and gradients of intermediates
/// go back to the allocator at the end of the step rather than whenever the GC runs.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;

    private readonly TensorScope? _parent;
    private readonly List<Tensor> _tensors = [];
    private bool _disposed;

    private TensorScope()
    {
        _parent = _current;
        _current = this;
    }

    public static TensorScope Begin() => new();

    /// <summary>Moves <paramref name="tensor"/> to the enclosing scope (or out of scope tracking entirely) so it survives this one.</summary>
    public Tensor Keep(Tensor tensor)
    {
        if (tensor.Scope == this)
        {
            tensor.Scope = _parent;
            _parent?._tensors.Add(tensor);
        }
        return tensor;
    }

    public void Dispose()
    {
        if (_disposed) return;
        if (_current != this)
            throw new InvalidOperationException("tensor scopes must be disposed innermost first, on the thread that began them");
        _disposed = true;
        _current = _parent;
        foreach (var t in _tensors)
            if (t.Scope == this)
                t.Dispose();
        _tensors.Clear();
    }

    internal static void Track(Tensor tensor)
    {
        var scope = _current;
        if (scope is null) return;
        tensor.Scope = scope;
        scope._tensors.Add(tensor);
    }

    /// <summary>Takes a tensor out of scope tracking: parameters, optimizer state and leaf gradients outlive every step.</summary>
    internal static void Untrack(Tensor tensor) => tensor.Scope = null;
}
