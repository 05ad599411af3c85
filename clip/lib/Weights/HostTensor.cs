namespace ClipEngine.Clip;

/// <summary>A tensor's row-major bytes in host memory while a checkpoint is read, renamed and reshaped, before it becomes a <see cref="Tensor"/>.</summary>
internal sealed record HostTensor(DType DType, int[] Shape, byte[] Data)
{
    public static HostTensor FromTensor(Tensor tensor) => new(tensor.DType, tensor.Shape, tensor.ToBytes());

    public Tensor ToTensor() => Tensor.FromBytes(Data, DType, Shape);

    public string ShapeText => $"[{string.Join(", ", Shape)}]";

    /// <summary>The transpose of a matrix (projections are stored as [in, out] by OpenAI and [out, in] by Hugging Face).</summary>
    public HostTensor Transpose2D(string name)
    {
        if (Shape.Length != 2) throw new InvalidDataException($"'{name}' has shape {ShapeText}; a matrix was expected");
        int rows = Shape[0], cols = Shape[1], size = DType.SizeInBytes();
        var result = new byte[Data.Length];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < cols; c++)
                Data.AsSpan((r * cols + c) * size, size).CopyTo(result.AsSpan((c * rows + r) * size));
        return new HostTensor(DType, [cols, rows], result);
    }

    /// <summary>Tensors of one shape stacked along dim 0 (row-major, so their bytes simply follow each other).</summary>
    public static HostTensor ConcatRows(string name, IReadOnlyList<HostTensor> parts)
    {
        var first = parts[0];
        foreach (var part in parts)
            if (part.DType != first.DType || !part.Shape.AsSpan().SequenceEqual(first.Shape) || first.Shape.Length == 0)
                throw new InvalidDataException($"the parts of '{name}' do not share one shape and dtype: {string.Join(", ", parts.Select(p => $"{p.ShapeText} {p.DType}"))}");
        var shape = (int[])first.Shape.Clone();
        shape[0] *= parts.Count;
        var data = new byte[first.Data.Length * parts.Count];
        for (var i = 0; i < parts.Count; i++) parts[i].Data.CopyTo(data, i * first.Data.Length);
        return new HostTensor(first.DType, shape, data);
    }

    /// <summary>The tensor cut into <paramref name="count"/> equal slices along dim 0.</summary>
    public HostTensor[] SplitRows(string name, int count)
    {
        if (Shape.Length == 0 || Shape[0] % count != 0)
            throw new InvalidDataException($"'{name}' has shape {ShapeText}; dim 0 does not split into {count} equal parts");
        var shape = (int[])Shape.Clone();
        shape[0] /= count;
        var bytes = Data.Length / count;
        return [.. Enumerable.Range(0, count).Select(i => new HostTensor(DType, (int[])shape.Clone(), Data.AsSpan(i * bytes, bytes).ToArray()))];
    }
}
