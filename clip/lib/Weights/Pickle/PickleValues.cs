namespace ClipEngine.Clip;

/// <summary>A global the unpickler allowed (see <see cref="PickleGlobals"/>); calling it only ever builds data.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public string QualifiedName => $"{Module}.{Name}";
}

/// <summary>A Python tuple; lists are <see cref="List{T}"/> of object?.</summary>
internal sealed record PickleTuple(object?[] Items);

/// <summary>A Python dict or collections.OrderedDict, in insertion order. Keys are strings, integers, floats or booleans.</summary>
internal sealed class PickleDict
{
    public OrderedDictionary<object, object?> Items { get; } = [];
}

/// <summary>An instance of a TorchScript class (<c>__torch__.*</c>): nothing but its attributes, set by BUILD. No code of the class is run.</summary>
internal sealed class TorchObject(string className)
{
    public string ClassName { get; } = className;

    public OrderedDictionary<string, object?> Attributes { get; } = [];
}

/// <summary>A storage named by a persistent id: raw elements in the archive entry <c>data/&lt;Key&gt;</c>.</summary>
internal sealed record TorchStorage(TorchStorageType Type, string Key, long ElementCount);

/// <summary>A strided view of a storage, as <c>torch._utils._rebuild_tensor_v2</c> describes it; read lazily.</summary>
internal sealed record TorchTensor(TorchStorage Storage, long StorageOffset, long[] Size, long[] Stride);
