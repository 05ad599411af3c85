using System.Numerics.Tensors;

namespace ClipEngine.Backends.Cpu;

// Data movement. Copies work on elements of any dtype: the kernels are generic over an unmanaged type of the
// element's size, since moving bits needs nothing else from the dtype.
public sealed unsafe partial class CpuBackend
{
    /// <summary>Side of the square tiles a transposing permutation is copied in, so both sides stay in cache.</summary>
    private const int TransposeTile = 32;

    private static byte* BytePtr(Tensor t) => (byte*)((CpuStorage)t.Storage).Pointer;

    public void Permute(Tensor x, int[] perm, Tensor y)
    {
        using var profile = CpuProfiler.Time(nameof(Permute));
        switch (x.DType.SizeInBytes())
        {
            case 2: PermuteOf<ushort>(x, perm, y); break;
            case 4: PermuteOf<uint>(x, perm, y); break;
            default: PermuteOf<ulong>(x, perm, y); break;
        }
    }

    /// <summary>
    /// After coalescing, either the input's last axis stays last (contiguous runs are copied) or it moves to output
    /// axis j, and each plane of output axes (j, last) is a 2-D transpose copied tile by tile.
    /// </summary>
    private static void PermuteOf<T>(Tensor x, int[] perm, Tensor y) where T : unmanaged
    {
        var n = x.NumEl;
        if (n == 0) return;
        var (dims, order) = PermuteAxes.Coalesce(x.Dims, perm);
        var rank = dims.Length;
        // Axes in the same order always merge, so an identity permutation coalesces to at most one axis.
        if (rank <= 1)
        {
            Bytes(x).CopyTo(Bytes(y));
            return;
        }
        var outDims = order.Select(a => dims[a]).ToArray();
        var outStrides = ShapeUtil.Strides(outDims);
        var inputStrides = ShapeUtil.Strides(dims);
        var inStrides = order.Select(a => inputStrides[a]).ToArray();
        T* src = (T*)BytePtr(x), dst = (T*)BytePtr(y);
        var last = rank - 1;

        if (order[last] == last)
        {
            var run = outDims[last];
            CpuParallel.For(n / run, run, (start, end) =>
            {
                for (var row = start; row < end; row++)
                {
                    long offset = 0, rem = row;
                    for (var d = last - 1; d >= 0; d--)
                    {
                        offset += rem % outDims[d] * inStrides[d];
                        rem /= outDims[d];
                    }
                    new ReadOnlySpan<T>(src + offset, run).CopyTo(new Span<T>(dst + row * run, run));
                }
            });
            return;
        }

        var j = Array.IndexOf(order, last);
        int rowsJ = outDims[j], colsL = outDims[last];
        long outStrideJ = outStrides[j], inStrideL = inStrides[last];
        long tilesJ = (rowsJ + TransposeTile - 1) / TransposeTile, tilesL = (colsL + TransposeTile - 1) / TransposeTile;
        var planes = n / ((long)rowsJ * colsL);
        CpuParallel.For(planes * tilesJ * tilesL, TransposeTile * TransposeTile, (start, end) =>
        {
            for (var item = start; item < end; item++)
            {
                var plane = item / (tilesJ * tilesL);
                var tile = item % (tilesJ * tilesL);
                long inOffset = 0, outOffset = 0, rem = plane;
                for (var d = last - 1; d >= 0; d--)
                {
                    if (d == j) continue;
                    var index = rem % outDims[d];
                    rem /= outDims[d];
                    inOffset += index * inStrides[d];
                    outOffset += index * outStrides[d];
                }
                var j0 = (int)(tile / tilesL) * TransposeTile;
                var l0 = (int)(tile % tilesL) * TransposeTile;
                int j1 = Math.Min(j0 + TransposeTile, rowsJ), l1 = Math.Min(l0 + TransposeTile, colsL);
                for (var a = j0; a < j1; a++)
                {
                    var to = dst + outOffset + a * outStrideJ;
                    var from = src + inOffset + a;
                    for (var b = l0; b < l1; b++) to[b] = from[b * inStrideL];
                }
            }
        });
    }

    public void CopyBlocks(Tensor source, long sourceOffset, long sourceStride, Tensor destination, long destinationOffset, long destinationStride, long blockLength, long count)
    {
        using var profile = CpuProfiler.Time(nameof(CopyBlocks));
        CheckExtent(source, sourceOffset, sourceStride, blockLength, count, "CopyBlocks source");
        CheckExtent(destination, destinationOffset, destinationStride, blockLength, count, "CopyBlocks destination");
        var size = source.DType.SizeInBytes();
        byte* src = BytePtr(source), dst = BytePtr(destination);
        var bytes = blockLength * size;
        CpuParallel.For(count, blockLength, (start, end) =>
        {
            for (var i = start; i < end; i++)
                Buffer.MemoryCopy(src + (sourceOffset + i * sourceStride) * size, dst + (destinationOffset + i * destinationStride) * size, bytes, bytes);
        });
    }

    /// <summary>Guards raw-pointer kernels: count blocks of blockLength elements, stride apart from offset, must lie inside t.</summary>
    private static void CheckExtent(Tensor t, long offset, long stride, long blockLength, long count, string what)
    {
        if (count <= 0 || blockLength <= 0) return;
        var end = offset + (count - 1) * stride + blockLength;
        if (offset < 0 || stride < 0 || end > t.NumEl)
            throw new ArgumentOutOfRangeException(what, $"{what}: {count} blocks of {blockLength} elements from {offset}, stride {stride}, run past the {t.NumEl} elements of tensor {ShapeUtil.Format(t.Dims)}");
    }

    public void GatherRows(Tensor table, Tensor indices, Tensor y)
    {
        using var profile = CpuProfiler.Time(nameof(GatherRows));
        var rows = CheckedRowIndices(table, indices);
        var rowBytes = table.Dims[0] == 0 ? 0 : table.NumEl / table.Dims[0] * table.DType.SizeInBytes();
        byte* src = BytePtr(table), dst = BytePtr(y);
        CpuParallel.For(rows.Length, rowBytes / 4, (start, end) =>
        {
            for (var i = start; i < end; i++)
                Buffer.MemoryCopy(src + rows[i] * rowBytes, dst + i * rowBytes, rowBytes, rowBytes);
        });
    }

    public void ScatterAddRows(Tensor gy, Tensor indices, Tensor gTable)
    {
        using var profile = CpuProfiler.Time(nameof(ScatterAddRows));
        var rows = CheckedRowIndices(gTable, indices);
        var width = gTable.Dims[0] == 0 ? 0 : (int)(gTable.NumEl / gTable.Dims[0]);
        float* pg = Ptr(gy), pt = Ptr(gTable);
        // Threads take disjoint column ranges so that repeated indices never race.
        const int columnsPerItem = 64;
        var items = (width + columnsPerItem - 1) / columnsPerItem;
        CpuParallel.For(items, (long)rows.Length * columnsPerItem, (start, end) =>
        {
            var c0 = (int)start * columnsPerItem;
            var length = (int)Math.Min((end - start) * columnsPerItem, width - c0);
            for (var i = 0; i < rows.Length; i++)
            {
                var target = new Span<float>(pt + rows[i] * width + c0, length);
                TensorPrimitives.Add(target, new ReadOnlySpan<float>(pg + (long)i * width + c0, length), target);
            }
        });
    }

    /// <summary>The I32 or I64 indices as longs, each checked against the table's row count.</summary>
    private static long[] CheckedRowIndices(Tensor table, Tensor indices)
    {
        var count = table.Dims[0];
        var rows = indices.DType switch
        {
            DType.I64 => Data<long>(indices).ToArray(),
            DType.I32 => Data<int>(indices).ToArray().Select(i => (long)i).ToArray(),
            _ => throw new ArgumentException($"row indices must be I32 or I64, not {indices.DType}"),
        };
        for (var i = 0; i < rows.Length; i++)
        {
            if ((ulong)rows[i] >= (ulong)count)
                throw new IndexOutOfRangeException($"index {rows[i]} (position {i}) is out of range for a table of {count} rows");
        }
        return rows;
    }
}
