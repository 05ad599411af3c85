namespace ClipEngine.Clip.Tests.Weights.Support;

/// <summary>The shapes torch gives pickled tensors and TorchScript modules, written with <see cref="PickleWriter"/>.</summary>
internal static class TorchPickle
{
    /// <summary>
    /// <c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())</c> with the storage
    /// as a persistent id ('storage', torch.&lt;type&gt;, key, 'cpu', numel). A storage seen before is fetched from
    /// <paramref name="memo"/> (key → memo index), as both picklers memoize it.
    /// </summary>
    public static PickleWriter Tensor(this PickleWriter w, Dictionary<string, int> memo, string storageType, string key, long numel, long offset, long[] size, long[] stride)
    {
        w.Global("torch._utils", "_rebuild_tensor_v2").Mark();
        if (memo.TryGetValue(key, out var index))
        {
            w.BinGet(index);
        }
        else
        {
            w.Mark().Str("storage").Global("torch", storageType).Str(key).Str("cpu").Int(numel).Tuple().BinPersId();
            memo[key] = index = 200 + memo.Count;
            w.BinPut(index);
        }
        w.Int(offset).Mark();
        foreach (var d in size) w.Int(d);
        w.Tuple().Mark();
        foreach (var s in stride) w.Int(s);
        w.Tuple().Bool(false).Global("collections", "OrderedDict").EmptyTuple().Reduce();
        return w.Tuple().Reduce();
    }

    /// <summary>A contiguous tensor over a whole storage.</summary>
    public static PickleWriter Tensor(this PickleWriter w, Dictionary<string, int> memo, string storageType, string key, params long[] size)
    {
        var stride = new long[size.Length];
        long step = 1;
        for (var i = size.Length - 1; i >= 0; i--)
        {
            stride[i] = step;
            step *= size[i];
        }
        return w.Tensor(memo, storageType, key, step, 0, size, stride);
    }

    /// <summary>Opens a TorchScript object: GLOBAL, EMPTY_TUPLE, NEWOBJ, then its attribute dict; attributes follow as name/value pairs.</summary>
    public static PickleWriter BeginObject(this PickleWriter w, string module, string className) =>
        w.Global(module, className).EmptyTuple().NewObj().EmptyDict().Mark();

    public static PickleWriter EndObject(this PickleWriter w) => w.SetItems().Build();
}
