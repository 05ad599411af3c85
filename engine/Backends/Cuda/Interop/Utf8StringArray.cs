using System.Runtime.InteropServices;

namespace ClipEngine.Backends.Cuda.Interop;

/// <summary>NUL-terminated UTF-8 copies of strings in native memory, as a <c>const char* const*</c>, freed on dispose.</summary>
internal sealed unsafe class Utf8StringArray : IDisposable
{
    private readonly byte** _pointers;

    public Utf8StringArray(IReadOnlyList<string> strings)
    {
        Count = strings.Count;
        _pointers = (byte**)NativeMemory.AllocZeroed((nuint)Math.Max(1, Count), (nuint)sizeof(byte*));
        for (var i = 0; i < Count; i++) _pointers[i] = (byte*)Marshal.StringToCoTaskMemUTF8(strings[i]);
    }

    public int Count { get; }

    public byte** Pointers => _pointers;

    public byte* this[int index] => _pointers[index];

    public void Dispose()
    {
        for (var i = 0; i < Count; i++) Marshal.FreeCoTaskMem((nint)_pointers[i]);
        NativeMemory.Free(_pointers);
    }
}
