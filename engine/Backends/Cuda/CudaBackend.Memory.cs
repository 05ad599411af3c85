namespace ClipEngine.Backends.Cuda;

// Memory, copies, fill and dtype conversion.
public sealed unsafe partial class CudaBackend
{
    public Storage Allocate(long byteLength) => new CudaStorage(Allocator, Device, byteLength, Stream);

    public void CopyFromHost(ReadOnlySpan<byte> source, Tensor destination)
    {
        var bytes = ByteLength(destination);
        if (source.Length != bytes)
            throw new ArgumentException($"{source.Length} host bytes given for tensor {ShapeUtil.Format(destination.Dims)} {destination.DType}, which holds {bytes}");
        if (bytes == 0) return;
        fixed (byte* p = source) Driver.CopyHostToDevice(Ptr(destination), p, bytes, Stream);
    }

    public void CopyToHost(Tensor source, Span<byte> destination)
    {
        var bytes = ByteLength(source);
        if (destination.Length != bytes)
            throw new ArgumentException($"{destination.Length} host bytes given for tensor {ShapeUtil.Format(source.Dims)} {source.DType}, which holds {bytes}");
        if (bytes == 0) return;
        fixed (byte* p = destination) Driver.CopyDeviceToHost(p, Ptr(source), bytes, Stream);
        // The copy waited for the stream, so reading the pending index checks costs no further wait.
        CheckIndices();
    }

    public void Copy(Tensor source, long sourceOffset, Tensor destination, long destinationOffset, long count)
    {
        CheckExtent(source, sourceOffset, count, count, 1, "Copy source");
        CheckExtent(destination, destinationOffset, count, count, 1, "Copy destination");
        var size = source.DType.SizeInBytes();
        if (count == 0) return;
        Driver.CopyDeviceToDevice(Ptr(destination).Offset(destinationOffset * size), Ptr(source).Offset(sourceOffset * size), count * size, Stream);
    }

    public void CopyBlocks(Tensor source, long sourceOffset, long sourceStride, Tensor destination, long destinationOffset, long destinationStride, long blockLength, long count)
    {
        CheckExtent(source, sourceOffset, sourceStride, blockLength, count, "CopyBlocks source");
        CheckExtent(destination, destinationOffset, destinationStride, blockLength, count, "CopyBlocks destination");
        if (blockLength == 0 || count == 0) return;
        var size = source.DType.SizeInBytes();
        var from = Ptr(source).Offset(sourceOffset * size);
        var to = Ptr(destination).Offset(destinationOffset * size);
        if (sourceStride == blockLength && destinationStride == blockLength)
        {
            Driver.CopyDeviceToDevice(to, from, blockLength * count * size, Stream);
            return;
        }
        // The widest word that divides both addresses, the block and both strides (in bytes); dtypes are 2 bytes or more.
        var alignment = from.Address | to.Address | (ulong)(blockLength * size) | (ulong)(sourceStride * size) | (ulong)(destinationStride * size);
        var word = (alignment & 7) == 0 ? 8 : (alignment & 3) == 0 ? 4 : 2;
        var kernel = word switch { 8 => "copy_blocks_u64", 4 => "copy_blocks_u32", _ => "copy_blocks_u16" };
        long words = blockLength * size / word, fromStride = sourceStride * size / word, toStride = destinationStride * size / word;
        var block = LaunchConfig.WarpMultiple(words, LaunchConfig.DefaultBlockSize);
        var config = new LaunchConfig(
            new Dim3((uint)Math.Clamp((words + block - 1) / block, 1, _maxBlocks), (uint)Math.Min(count, LaunchConfig.MaxGridY)),
            block);
        Launcher.Launch(Modules.Get("copy.cu", kernel), config, from, to, words, count, fromStride, toStride);
    }

    public void Fill(Tensor tensor, double value)
    {
        var n = tensor.NumEl;
        if (n == 0) return;
        var y = Ptr(tensor);
        ulong bits = tensor.DType switch
        {
            DType.F32 => BitConverter.SingleToUInt32Bits((float)value),
            DType.BF16 => BFloat16Bits.FromFloat((float)value),
            DType.F16 => BitConverter.HalfToUInt16Bits((Half)value),
            DType.I32 => (uint)checked((int)value),
            DType.I64 => (ulong)checked((long)value),
            DType.F64 => BitConverter.DoubleToUInt64Bits(value),
            _ => throw new NotSupportedException($"Fill of {tensor.DType}"),
        };
        if (bits == 0)
        {
            Driver.MemsetAsync(y, 0, ByteLength(tensor), Stream);
            return;
        }
        switch (tensor.DType.SizeInBytes())
        {
            case 2: Launch1D("fill.cu", "fill_u16", n, y, (ushort)bits, n); break;
            case 4: Launch1D("fill.cu", "fill_u32", n, y, (uint)bits, n); break;
            default: Launch1D("fill.cu", "fill_u64", n, y, bits, n); break;
        }
    }

    public void Cast(Tensor source, Tensor destination)
    {
        var n = source.NumEl;
        if (source.DType == destination.DType)
        {
            Copy(source, 0, destination, 0, n);
            return;
        }
        if (n == 0) return;
        if (source.DType == DType.F32 || destination.DType == DType.F32)
        {
            Launch1D("cast.cu", CastKernel(source.DType, destination.DType), n, Ptr(source), Ptr(destination), n);
            return;
        }
        // Neither side is F32: two conversions through an F32 buffer, as the Cpu backend does. Freeing it right after
        // queueing is safe: the block is reused only by later work on the same stream.
        var buffer = Allocator.Allocate(n * sizeof(float), Stream);
        try
        {
            Launch1D("cast.cu", CastKernel(source.DType, DType.F32), n, Ptr(source), buffer.Pointer, n);
            Launch1D("cast.cu", CastKernel(DType.F32, destination.DType), n, buffer.Pointer, Ptr(destination), n);
        }
        finally
        {
            Allocator.Free(buffer);
        }
    }

    private static string CastKernel(DType from, DType to) => (from, to) switch
    {
        (DType.F32, DType.BF16) => "cast_f32_bf16",
        (DType.BF16, DType.F32) => "cast_bf16_f32",
        (DType.F32, DType.F16) => "cast_f32_f16",
        (DType.F16, DType.F32) => "cast_f16_f32",
        (DType.F32, DType.I32) => "cast_f32_i32",
        (DType.I32, DType.F32) => "cast_i32_f32",
        (DType.F32, DType.I64) => "cast_f32_i64",
        (DType.I64, DType.F32) => "cast_i64_f32",
        (DType.F32, DType.F64) => "cast_f32_f64",
        (DType.F64, DType.F32) => "cast_f64_f32",
        _ => throw new NotSupportedException($"no cast kernel from {from} to {to}"),
    };

    private static long ByteLength(Tensor t) => t.NumEl * t.DType.SizeInBytes();

    /// <summary>Device writes out of bounds corrupt other tensors silently: count blocks of blockLength elements, stride apart from offset, must lie inside t.</summary>
    private static void CheckExtent(Tensor t, long offset, long stride, long blockLength, long count, string what)
    {
        if (count <= 0 || blockLength <= 0) return;
        var end = offset + (count - 1) * stride + blockLength;
        if (offset < 0 || stride < 0 || end > t.NumEl)
            throw new ArgumentOutOfRangeException(what, $"{what}: {count} blocks of {blockLength} elements from {offset}, stride {stride}, run past the {t.NumEl} elements of tensor {ShapeUtil.Format(t.Dims)}");
    }
}
