namespace ClipEngine.IO;

/// <summary>A tensor to be written by <see cref="SafeTensorsWriter"/>: row-major little-endian bytes with their dtype and shape.</summary>
public readonly record struct SafeTensorEntry(string Name, DType DType, int[] Shape, ReadOnlyMemory<byte> Data);
