using System.Buffers.Binary;
using System.Text;

namespace ClipEngine.Clip.Tests.Weights.Support;

/// <summary>
/// Writes pickle programs opcode by opcode, the way torch.save and the TorchScript pickler lay them out, so tests
/// can build checkpoints (and hostile variants) by hand. Independent of the reader: opcodes are spelled as bytes here.
/// </summary>
internal sealed class PickleWriter
{
    private readonly MemoryStream _bytes = new();

    public long Position => _bytes.Length;

    public PickleWriter Proto(byte version = 2) => Raw(0x80, version);

    public PickleWriter Global(string module, string name) => Raw((byte)'c').Ascii($"{module}\n{name}\n");

    public PickleWriter StackGlobal(string module, string name) => Str(module).Str(name).Raw(0x93);

    public PickleWriter Mark() => Raw((byte)'(');

    public PickleWriter Tuple() => Raw((byte)'t');

    public PickleWriter EmptyTuple() => Raw((byte)')');

    public PickleWriter EmptyDict() => Raw((byte)'}');

    public PickleWriter SetItems() => Raw((byte)'u');

    public PickleWriter NewObj() => Raw(0x81);

    public PickleWriter Reduce() => Raw((byte)'R');

    public PickleWriter Build() => Raw((byte)'b');

    public PickleWriter BinPersId() => Raw((byte)'Q');

    public PickleWriter None() => Raw((byte)'N');

    public PickleWriter Bool(bool value) => Raw(value ? (byte)0x88 : (byte)0x89);

    public PickleWriter Stop() => Raw((byte)'.');

    public PickleWriter BinPut(int index) => index < 256 ? Raw((byte)'q', (byte)index) : Raw((byte)'r').UInt32((uint)index);

    public PickleWriter BinGet(int index) => index < 256 ? Raw((byte)'h', (byte)index) : Raw((byte)'j').UInt32((uint)index);

    public PickleWriter Str(string value)
    {
        var utf8 = Encoding.UTF8.GetBytes(value);
        return Raw((byte)'X').UInt32((uint)utf8.Length).Raw(utf8);
    }

    /// <summary>The smallest of BININT1, BININT2, BININT or LONG1 that holds the value, as CPython's pickler picks.</summary>
    public PickleWriter Int(long value)
    {
        if (value is >= 0 and < 256) return Raw((byte)'K', (byte)value);
        if (value is >= 0 and < 65536) return Raw((byte)'M', (byte)value, (byte)(value >> 8));
        if (value is >= int.MinValue and <= int.MaxValue)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(bytes, (int)value);
            return Raw((byte)'J').Raw(bytes);
        }
        var long8 = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(long8, value);
        return Raw(0x8a, 8).Raw(long8);
    }

    public PickleWriter UInt32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return Raw(bytes);
    }

    public PickleWriter Raw(params byte[] bytes)
    {
        _bytes.Write(bytes);
        return this;
    }

    public byte[] ToArray() => _bytes.ToArray();

    private PickleWriter Ascii(string text) => Raw(Encoding.ASCII.GetBytes(text));
}
