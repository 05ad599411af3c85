namespace ClipEngine.Clip;

/// <summary>
/// The allow-list of the restricted unpickler: the few globals torch checkpoints need, each "called" by C# code that
/// only builds data. Any other global is refused where the pickle names it, before anything could use it.
/// Failures throw <see cref="InvalidDataException"/>; the unpickler adds the file, entry and offset.
/// </summary>
internal static class PickleGlobals
{
    private const string RebuildTensorV2 = "torch._utils._rebuild_tensor_v2";
    private const string RebuildParameter = "torch._utils._rebuild_parameter";
    private const string OrderedDict = "collections.OrderedDict";
    private const string TorchDevice = "torch.device";
    private const string TorchScriptModulePrefix = "__torch__";

    // The TorchScript pickler wraps typed lists and dicts in these; each returns its first argument unchanged.
    private static readonly HashSet<string> PassThrough = new(StringComparer.Ordinal)
    {
        "torch.jit._pickle.build_intlist",
        "torch.jit._pickle.build_doublelist",
        "torch.jit._pickle.build_boollist",
        "torch.jit._pickle.build_tensorlist",
        "torch.jit._pickle.restore_type_tag",
    };

    public static bool IsAllowed(string module, string name) =>
        IsTorchScriptClass(module) || IsStorageClass(module, name) || (module + "." + name) switch
        {
            RebuildTensorV2 or RebuildParameter or OrderedDict or TorchDevice => true,
            var qualified => PassThrough.Contains(qualified),
        };

    public static bool IsStorageClass(PickleGlobal global, out TorchStorageType type)
    {
        type = default;
        return global.Module == "torch" && TorchStorageTypes.TryParse(global.Name, out type);
    }

    /// <summary>REDUCE: the global applied to positional arguments.</summary>
    public static object? Call(PickleGlobal function, object?[] args, CheckpointLimits limits)
    {
        var name = function.QualifiedName;
        switch (name)
        {
            case RebuildTensorV2:
                return RebuildTensor(args, limits);
            case RebuildParameter:
                ExpectCount(name, args, 3, 3);
                return args[0] as TorchTensor ?? throw new InvalidDataException($"{name}: argument 0 is {Describe(args[0])}, not a tensor");
            case OrderedDict:
                ExpectCount(name, args, 0, 0);
                return new PickleDict();
            case TorchDevice:
                ExpectCount(name, args, 1, 2);
                return args.Length == 1 ? String(name, args, 0) : $"{String(name, args, 0)}:{Integer(name, args, 1)}";
        }

        if (PassThrough.Contains(name))
        {
            ExpectCount(name, args, 1, 2);
            return args[0];
        }

        throw new InvalidDataException($"global '{name}' cannot be called");
    }

    /// <summary>NEWOBJ: only TorchScript classes, whose instances are inert attribute holders, and OrderedDict.</summary>
    public static object New(PickleGlobal type, object?[] args)
    {
        if (type.QualifiedName == OrderedDict && args.Length == 0) return new PickleDict();
        if (!IsTorchScriptClass(type.Module)) throw new InvalidDataException($"global '{type.QualifiedName}' cannot be instantiated");
        if (args.Length != 0) throw new InvalidDataException($"'{type.QualifiedName}' is instantiated with {args.Length} arguments; TorchScript objects take none");
        return new TorchObject(type.QualifiedName);
    }

    public static string Describe(object? value) => value switch
    {
        null => "None",
        bool => "a bool",
        long => "an int",
        double => "a float",
        string => "a str",
        byte[] => "bytes",
        PickleTuple => "a tuple",
        List<object?> => "a list",
        PickleDict => "a dict",
        PickleGlobal g => $"the global '{g.QualifiedName}'",
        TorchObject o => $"an instance of '{o.ClassName}'",
        TorchStorage => "a storage",
        TorchTensor => "a tensor",
        _ => value.GetType().Name,
    };

    private static bool IsTorchScriptClass(string module) =>
        module == TorchScriptModulePrefix || module.StartsWith(TorchScriptModulePrefix + ".", StringComparison.Ordinal);

    private static bool IsStorageClass(string module, string name) => module == "torch" && TorchStorageTypes.TryParse(name, out _);

    private static TorchTensor RebuildTensor(object?[] args, CheckpointLimits limits)
    {
        const string name = RebuildTensorV2;
        ExpectCount(name, args, 6, 7);
        var storage = args[0] as TorchStorage ?? throw new InvalidDataException($"{name}: argument 0 is {Describe(args[0])}, not a storage");
        var offset = Integer(name, args, 1);
        var size = Integers(name, args, 2, limits.MaxRank);
        var stride = Integers(name, args, 3, limits.MaxRank);
        if (size.Length != stride.Length)
            throw new InvalidDataException($"{name}: size has {size.Length} dims but stride has {stride.Length}");
        if (offset < 0) throw new InvalidDataException($"{name}: storage offset {offset} is negative");
        for (var i = 0; i < size.Length; i++)
        {
            if (size[i] < 0 || size[i] > int.MaxValue) throw new InvalidDataException($"{name}: size[{i}] = {size[i]} is out of range");
            if (stride[i] < 0) throw new InvalidDataException($"{name}: stride[{i}] = {stride[i]} is negative");
        }

        // The last element the view reaches must lie inside the storage; an empty view reaches nothing.
        if (!size.Contains(0))
        {
            long last;
            try
            {
                last = offset;
                for (var i = 0; i < size.Length; i++) last = checked(last + (size[i] - 1) * stride[i]);
            }
            catch (OverflowException)
            {
                throw new InvalidDataException($"{name}: size [{string.Join(", ", size)}] with stride [{string.Join(", ", stride)}] overflows");
            }
            if (last >= storage.ElementCount)
                throw new InvalidDataException($"{name}: view (offset {offset}, size [{string.Join(", ", size)}], stride [{string.Join(", ", stride)}]) reaches element {last} of storage '{storage.Key}', which has {storage.ElementCount}");
        }
        else if (offset > storage.ElementCount)
        {
            throw new InvalidDataException($"{name}: storage offset {offset} lies beyond storage '{storage.Key}' of {storage.ElementCount} elements");
        }

        return new TorchTensor(storage, offset, size, stride);
    }

    private static void ExpectCount(string name, object?[] args, int min, int max)
    {
        if (args.Length < min || args.Length > max)
            throw new InvalidDataException($"{name}: {args.Length} arguments given, {(min == max ? $"{min}" : $"{min} to {max}")} expected");
    }

    private static long Integer(string name, object?[] args, int index) =>
        args[index] is long value ? value : throw new InvalidDataException($"{name}: argument {index} is {Describe(args[index])}, not an int");

    private static string String(string name, object?[] args, int index) =>
        args[index] as string ?? throw new InvalidDataException($"{name}: argument {index} is {Describe(args[index])}, not a str");

    private static long[] Integers(string name, object?[] args, int index, int maxRank)
    {
        var items = (args[index] as PickleTuple)?.Items ?? throw new InvalidDataException($"{name}: argument {index} is {Describe(args[index])}, not a tuple");
        if (items.Length > maxRank) throw new InvalidDataException($"{name}: argument {index} has {items.Length} dims, more than the limit of {maxRank}");
        var result = new long[items.Length];
        for (var i = 0; i < items.Length; i++)
            result[i] = items[i] is long value ? value : throw new InvalidDataException($"{name}: argument {index}[{i}] is {Describe(items[i])}, not an int");
        return result;
    }
}
