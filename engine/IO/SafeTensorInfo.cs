namespace ClipEngine.IO;

/// <summary>One tensor's entry in a validated safetensors header.</summary>
public sealed class SafeTensorInfo
{
    internal SafeTensorInfo(string name, DType dtype, int[] shape, long elementCount, long offset, long length)
    {
        Name = name;
        DType = dtype;
        Shape = shape;
        ElementCount = elementCount;
        Offset = offset;
        Length = length;
    }

    public string Name { get; }

    public DType DType { get; }

    /// <summary>Row-major dimensions; empty for a scalar. Shared with every reader of this entry, so treat it as read-only.</summary>
    public int[] Shape { get; }

    public long ElementCount { get; }

    /// <summary>Position of the tensor's first byte from the start of the file (not from the data section).</summary>
    public long Offset { get; }

    /// <summary>Size of the tensor's data in bytes: <see cref="ElementCount"/> times the dtype's size.</summary>
    public long Length { get; }
}
