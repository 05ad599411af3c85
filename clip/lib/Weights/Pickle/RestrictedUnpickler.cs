using System.Buffers.Binary;
using System.Text;

namespace ClipEngine.Clip;

/// <summary>
/// Runs a pickle program the way Python's unpickler does, but only over data: the opcodes torch writes, globals
/// from <see cref="PickleGlobals"/> only, persistent ids only as tensor storages. Nothing named by the file is
/// ever executed; every length, count and depth is bounded by <see cref="CheckpointLimits"/>.
/// </summary>
internal sealed class RestrictedUnpickler
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[] _data;
    private readonly string _filePath;
    private readonly string _entry;
    private readonly CheckpointLimits _limits;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private int _position;

    public RestrictedUnpickler(byte[] data, string filePath, string entry, CheckpointLimits limits)
    {
        _data = data;
        _filePath = filePath;
        _entry = entry;
        _limits = limits;
    }

    /// <summary>The object the pickle builds, up to STOP.</summary>
    public object? Load()
    {
        for (var ops = 0; ; ops++)
        {
            var start = _position;
            if (ops >= _limits.MaxPickleOps) throw Error($"more than {_limits.MaxPickleOps} opcodes (the limit)", start);
            if (_position >= _data.Length) throw Error("pickle ends without a STOP opcode", start);
            var opcode = (PickleOpcode)_data[_position++];
            try
            {
                if (opcode == PickleOpcode.Stop)
                {
                    if (_stack.Count != 1 || _marks.Count != 0)
                        throw new InvalidDataException($"STOP with {_stack.Count} values on the stack and {_marks.Count} open marks; expected one value");
                    return _stack[0];
                }

                Execute(opcode);
            }
            catch (InvalidDataException e)
            {
                throw Error(e.Message, start, e);
            }
        }
    }

    private void Execute(PickleOpcode opcode)
    {
        switch (opcode)
        {
            case PickleOpcode.Proto:
                var protocol = ReadByte();
                if (protocol > 5) throw new InvalidDataException($"pickle protocol {protocol} is not supported (at most 5)");
                break;
            case PickleOpcode.Frame: ReadBytes(8); break;
            case PickleOpcode.Mark:
                if (_marks.Count >= _limits.MaxDepth) throw new InvalidDataException($"more than {_limits.MaxDepth} nested MARKs (the depth limit)");
                _marks.Add(_stack.Count);
                break;
            case PickleOpcode.Pop: Pop(); break;
            case PickleOpcode.PopMark: PopToMark(); break;
            case PickleOpcode.Dup: Push(Peek()); break;
            case PickleOpcode.None: Push(null); break;
            case PickleOpcode.NewTrue: Push(true); break;
            case PickleOpcode.NewFalse: Push(false); break;
            case PickleOpcode.BinInt: Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break;
            case PickleOpcode.BinInt1: Push((long)ReadByte()); break;
            case PickleOpcode.BinInt2: Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break;
            case PickleOpcode.Long1: Push(ReadLong1()); break;
            case PickleOpcode.BinFloat: Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break;
            case PickleOpcode.ShortBinUnicode: Push(Utf8(ReadLength(ReadByte()))); break;
            case PickleOpcode.BinUnicode: Push(Utf8(ReadLength(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))))); break;
            case PickleOpcode.BinUnicode8: Push(Utf8(ReadLength(BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8))))); break;
            case PickleOpcode.ShortBinString: Push(Encoding.Latin1.GetString(ReadLength(ReadByte()))); break;
            case PickleOpcode.BinString: Push(Encoding.Latin1.GetString(ReadLength(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))))); break;
            case PickleOpcode.ShortBinBytes: Push(ReadLength(ReadByte()).ToArray()); break;
            case PickleOpcode.BinBytes: Push(ReadLength(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))).ToArray()); break;
            case PickleOpcode.EmptyTuple: Push(new PickleTuple([])); break;
            case PickleOpcode.Tuple1: Push(new PickleTuple([Pop()])); break;
            case PickleOpcode.Tuple2: { var b = Pop(); var a = Pop(); Push(new PickleTuple([a, b])); break; }
            case PickleOpcode.Tuple3: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new PickleTuple([a, b, c])); break; }
            case PickleOpcode.Tuple: Push(new PickleTuple(PopToMark())); break;
            case PickleOpcode.EmptyList: Push(new List<object?>()); break;
            case PickleOpcode.List: Push(new List<object?>(PopToMark())); break;
            case PickleOpcode.EmptyDict: Push(new PickleDict()); break;
            case PickleOpcode.Dict: { var dict = new PickleDict(); SetItems(dict, PopToMark()); Push(dict); break; }
            case PickleOpcode.Append: { var value = Pop(); Target<List<object?>>("APPEND").Add(value); break; }
            case PickleOpcode.Appends: { var items = PopToMark(); Target<List<object?>>("APPENDS").AddRange(items); break; }
            case PickleOpcode.SetItem: { var value = Pop(); var key = Pop(); SetItems(Target<PickleDict>("SETITEM"), [key, value]); break; }
            case PickleOpcode.SetItems: { var items = PopToMark(); SetItems(Target<PickleDict>("SETITEMS"), items); break; }
            case PickleOpcode.BinPut: Put(ReadByte()); break;
            case PickleOpcode.LongBinPut: Put(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))); break;
            case PickleOpcode.Memoize: Put(_memo.Count); break;
            case PickleOpcode.BinGet: Get(ReadByte()); break;
            case PickleOpcode.LongBinGet: Get(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))); break;
            case PickleOpcode.Global: Push(Global(ReadLine(), ReadLine())); break;
            case PickleOpcode.StackGlobal:
            {
                var name = Pop() as string ?? throw new InvalidDataException("STACK_GLOBAL name is not a str");
                var module = Pop() as string ?? throw new InvalidDataException("STACK_GLOBAL module is not a str");
                Push(Global(module, name));
                break;
            }
            case PickleOpcode.Reduce:
            {
                var args = Pop() as PickleTuple ?? throw new InvalidDataException("REDUCE arguments are not a tuple");
                var function = Pop() as PickleGlobal ?? throw new InvalidDataException("REDUCE applies something that is not a global");
                Push(PickleGlobals.Call(function, args.Items, _limits));
                break;
            }
            case PickleOpcode.NewObj:
            {
                var args = Pop() as PickleTuple ?? throw new InvalidDataException("NEWOBJ arguments are not a tuple");
                var type = Pop() as PickleGlobal ?? throw new InvalidDataException("NEWOBJ instantiates something that is not a global");
                Push(PickleGlobals.New(type, args.Items));
                break;
            }
            case PickleOpcode.Build: Build(Pop(), Peek()); break;
            case PickleOpcode.BinPersId: Push(PersistentLoad(Pop())); break;
            default:
                throw new InvalidDataException($"opcode 0x{(byte)opcode:x2} is not supported by the restricted unpickler");
        }
    }

    private PickleGlobal Global(string module, string name)
    {
        if (!PickleGlobals.IsAllowed(module, name))
            throw new InvalidDataException($"global '{module}.{name}' is not allowed: only torch tensor rebuilding, storages, OrderedDict and TorchScript module classes may appear in a checkpoint");
        return new PickleGlobal(module, name);
    }

    private static void Build(object? state, object? target)
    {
        switch (target)
        {
            case TorchObject obj when state is PickleDict attributes:
                foreach (var (key, value) in attributes.Items)
                    obj.Attributes[key as string ?? throw new InvalidDataException($"BUILD of '{obj.ClassName}': attribute name is {PickleGlobals.Describe(key)}, not a str")] = value;
                break;
            // A state dict's OrderedDict carries `_metadata` (module versions) as instance state; it holds no tensors.
            case PickleDict when state is PickleDict or null:
                break;
            default:
                throw new InvalidDataException($"BUILD with {PickleGlobals.Describe(state)} on {PickleGlobals.Describe(target)} is not supported");
        }
    }

    /// <summary>torch's persistent ids: ('storage', torch.XStorage, key, location, element count).</summary>
    private static TorchStorage PersistentLoad(object? pid)
    {
        if (pid is not PickleTuple { Items: [string kind, PickleGlobal type, string key, string, long count] })
            throw new InvalidDataException($"persistent id is {PickleGlobals.Describe(pid)}, not ('storage', torch.<Type>Storage, key, location, size)");
        if (kind != "storage") throw new InvalidDataException($"persistent id kind '{kind}' is not 'storage'");
        if (!PickleGlobals.IsStorageClass(type, out var storageType))
            throw new InvalidDataException($"persistent id names '{type.QualifiedName}', not a storage class");
        if (count < 0) throw new InvalidDataException($"storage '{key}' has a negative size {count}");
        if (key.Length == 0 || key.Contains('/') || key.Contains('\\') || key.Contains(".."))
            throw new InvalidDataException($"storage key '{key}' is not a plain entry name");
        return new TorchStorage(storageType, key, count);
    }

    private void SetItems(PickleDict dict, object?[] items)
    {
        if (items.Length % 2 != 0) throw new InvalidDataException($"{items.Length} values for dict items, not key/value pairs");
        for (var i = 0; i < items.Length; i += 2)
        {
            var key = items[i] is string or long or bool or double ? items[i]! : throw new InvalidDataException($"dict key is {PickleGlobals.Describe(items[i])}; only str, int, float and bool keys are supported");
            dict.Items[key] = items[i + 1];
        }
    }

    private T Target<T>(string op) where T : class =>
        Peek() as T ?? throw new InvalidDataException($"{op} on {PickleGlobals.Describe(Peek())}");

    private void Put(long index)
    {
        if (!_memo.ContainsKey(index) && _memo.Count >= _limits.MaxMemoEntries)
            throw new InvalidDataException($"more than {_limits.MaxMemoEntries} memo entries (the limit)");
        _memo[index] = Peek();
    }

    private void Get(long index) =>
        Push(_memo.TryGetValue(index, out var value) ? value : throw new InvalidDataException($"memo entry {index} is read before it is written"));

    private void Push(object? value) => _stack.Add(value);

    private object? Peek()
    {
        var floor = _marks.Count > 0 ? _marks[^1] : 0;
        if (_stack.Count <= floor) throw new InvalidDataException("stack underflow");
        return _stack[^1];
    }

    private object? Pop()
    {
        var value = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object?[] PopToMark()
    {
        if (_marks.Count == 0) throw new InvalidDataException("no MARK to pop to");
        var mark = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(mark, _stack.Count - mark).ToArray();
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private byte ReadByte() => ReadBytes(1)[0];

    private ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count > _data.Length - _position)
            throw new InvalidDataException($"pickle is truncated: {count} bytes needed, {_data.Length - _position} left");
        var span = _data.AsSpan(_position, count);
        _position += count;
        return span;
    }

    private ReadOnlySpan<byte> ReadLength(ulong length)
    {
        if (length > (ulong)_limits.MaxStringBytes)
            throw new InvalidDataException($"string length {length} exceeds the limit of {_limits.MaxStringBytes} bytes");
        return ReadBytes((int)length);
    }

    /// <summary>A newline-terminated ASCII line, as GLOBAL's module and name are written.</summary>
    private string ReadLine()
    {
        var rest = _data.AsSpan(_position, Math.Min(_data.Length - _position, _limits.MaxStringBytes + 1));
        var end = rest.IndexOf((byte)'\n');
        if (end < 0) throw new InvalidDataException("GLOBAL name is not terminated by a newline within the string limit");
        var line = rest[..end];
        foreach (var b in line)
            if (b is < 0x20 or > 0x7e) throw new InvalidDataException($"GLOBAL name holds byte 0x{b:x2}; only printable ASCII is allowed");
        _position += end + 1;
        return Encoding.ASCII.GetString(line);
    }

    private long ReadLong1()
    {
        var length = ReadByte();
        if (length > 8) throw new InvalidDataException($"LONG1 of {length} bytes is wider than 64 bits");
        var bytes = ReadBytes(length);
        long value = 0;
        for (var i = length - 1; i >= 0; i--) value = (value << 8) | bytes[i];
        // Sign-extend from the top byte, as Python's two's-complement encoding requires.
        if (length is > 0 and < 8 && (bytes[length - 1] & 0x80) != 0) value -= 1L << (8 * length);
        return value;
    }

    private static string Utf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException("string is not valid UTF-8", e);
        }
    }

    private CheckpointFormatException Error(string detail, long offset, Exception? inner = null) => new(_filePath, detail, _entry, offset, inner);
}
