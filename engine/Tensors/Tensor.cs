using ClipEngine.Backends;

namespace ClipEngine;

/// <summary>
/// An n-dimensional array on a device: contiguous row-major storage, a shape and a dtype. Reshapes are views
/// sharing storage; every other op writes a new tensor. Tensors are <see cref="IDisposable"/>: device memory is
/// released deterministically, by <see cref="Dispose"/> or by the <see cref="TensorScope"/> that created them.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private readonly int[] _shape;
    private Storage? _storage;
    private bool _requiresGrad;

    internal Tensor(Storage storage, int[] shape, DType dtype)
    {
        _storage = storage;
        _shape = shape;
        DType = dtype;
        NumEl = ShapeUtil.NumEl(shape);
        if (NumEl * dtype.SizeInBytes() > storage.ByteLength)
            throw new ArgumentException($"shape {ShapeUtil.Format(shape)} of {dtype} needs more than the storage's {storage.ByteLength} bytes");
        TensorScope.Track(this);
    }

    public DType DType { get; }

    public long NumEl { get; }

    /// <summary>A copy of the shape; ops inside the engine read <see cref="Dims"/> instead.</summary>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>The shape without a copy. Never mutate it.</summary>
    internal int[] Dims => _shape;

    public int Rank => _shape.Length;

    public Device Device => Storage.Device;

    public Storage Storage => _storage ?? throw new ObjectDisposedException(nameof(Tensor), $"tensor {ShapeUtil.Format(_shape)} {DType} was disposed");

    public bool IsDisposed => _storage is null;

    internal IBackend Backend => Backends.BackendRegistry.For(Device);

    internal TensorScope? Scope { get; set; }

    /// <summary>Size of one axis; negative axes count from the end.</summary>
    public int Size(int axis) => _shape[ShapeUtil.Axis(axis, Rank)];

    /// <summary>True for leaves that want a gradient and for every tensor computed from one while grad mode is on.</summary>
    public bool RequiresGrad
    {
        get => _requiresGrad || GradFn is not null;
        set
        {
            if (GradFn is not null && !value)
                throw new InvalidOperationException("RequiresGrad can only be cleared on a leaf tensor; use Detach() for a computed one");
            if (value && !DType.IsFloatingPoint())
                throw new InvalidOperationException($"only floating-point tensors can require gradients, not {DType}");
            _requiresGrad = value;
        }
    }

    /// <summary>The accumulated gradient of a leaf after <see cref="Backward"/>; owned by this tensor.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>The node that computed this tensor, or null for a leaf.</summary>
    public GradNode? GradFn { get; internal set; }

    public bool IsLeaf => GradFn is null;

    /// <summary>Disposes the gradient and forgets it, as optimizer.zero_grad(set_to_none=True) does.</summary>
    public void ZeroGrad()
    {
        Grad?.Dispose();
        Grad = null;
    }

    public void Dispose()
    {
        var storage = _storage;
        if (storage is null) return;
        _storage = null;
        GradFn = null;
        Grad?.Dispose();
        Grad = null;
        storage.Release();
    }

    /// <summary>A tensor over the same storage, cut off from the graph.</summary>
    public Tensor Detach()
    {
        Storage.AddRef();
        return new Tensor(Storage, _shape, DType);
    }

    /// <summary>A new shape over the same storage; one dimension may be -1 (inferred).</summary>
    public Tensor Reshape(params int[] shape) => Ops.Reshape(this, shape);

    /// <summary>A view sharing storage with a different shape; used by ops that manage the graph themselves.</summary>
    internal Tensor View(int[] shape)
    {
        Storage.AddRef();
        return new Tensor(Storage, shape, DType);
    }

    /// <summary>An uninitialised tensor with this tensor's device, and the given shape and dtype (default: this one's).</summary>
    internal Tensor NewEmpty(int[] shape, DType? dtype = null) => Empty(shape, dtype ?? DType, Device);

    internal void ThrowIfNotDType(DType expected, string op)
    {
        if (DType != expected)
            throw new ArgumentException($"{op} expects {expected} tensors, got {DType} with shape {ShapeUtil.Format(_shape)}");
    }
}
