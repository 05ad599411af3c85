using System.Numerics.Tensors;

namespace ClipEngine.Backends.Cpu;

/// <summary>
/// The reference backend and the embedded inference runtime: managed code over host memory, SIMD through
/// TensorPrimitives and Vector256, threads through <see cref="CpuParallel"/>. One partial file per op family.
/// </summary>
public sealed unsafe partial class CpuBackend : IBackend
{
    public static readonly CpuBackend Instance = new();

    private CpuBackend()
    {
    }

    public Device Device => Device.Cpu;

    /// <summary>The tensor's elements as a span; T must match the dtype's size.</summary>
    internal static Span<T> Data<T>(Tensor t) where T : unmanaged =>
        ((CpuStorage)t.Storage).AsSpan<T>(0, checked((int)t.NumEl));

    internal static float* Ptr(Tensor t) => (float*)((CpuStorage)t.Storage).Pointer;

    internal static Span<byte> Bytes(Tensor t) => ((CpuStorage)t.Storage).AsSpan<byte>(0, checked((int)(t.NumEl * t.DType.SizeInBytes())));

    public Storage Allocate(long byteLength)
    {
        using var profile = CpuProfiler.Time(nameof(Allocate));
        return new CpuStorage(byteLength);
    }

    public void CopyFromHost(ReadOnlySpan<byte> source, Tensor destination) => source.CopyTo(Bytes(destination));

    public void CopyToHost(Tensor source, Span<byte> destination) => Bytes(source).CopyTo(destination);

    public void Copy(Tensor source, long sourceOffset, Tensor destination, long destinationOffset, long count)
    {
        using var profile = CpuProfiler.Time(nameof(Copy));
        var size = source.DType.SizeInBytes();
        var src = ((CpuStorage)source.Storage).AsSpan<byte>(sourceOffset * size, checked((int)(count * size)));
        src.CopyTo(((CpuStorage)destination.Storage).AsSpan<byte>(destinationOffset * size, checked((int)(count * size))));
    }

    public void Fill(Tensor tensor, double value)
    {
        using var profile = CpuProfiler.Time(nameof(Fill));
        switch (tensor.DType)
        {
            case DType.F32:
                var p = Ptr(tensor);
                var f = (float)value;
                Chunked(tensor.NumEl, (offset, len) => new Span<float>(p + offset, len).Fill(f));
                break;
            case DType.BF16: Data<ushort>(tensor).Fill(BFloat16Bits.FromFloat((float)value)); break;
            case DType.F16: Data<Half>(tensor).Fill((Half)value); break;
            case DType.I32: Data<int>(tensor).Fill(checked((int)value)); break;
            case DType.I64: Data<long>(tensor).Fill(checked((long)value)); break;
            case DType.F64: Data<double>(tensor).Fill(value); break;
            default: throw new NotSupportedException($"Fill of {tensor.DType}");
        }
    }

    public void Cast(Tensor source, Tensor destination)
    {
        using var profile = CpuProfiler.Time(nameof(Cast));
        if (source.DType == destination.DType)
        {
            Bytes(source).CopyTo(Bytes(destination));
            return;
        }
        if (source.DType == DType.F32 || destination.DType == DType.F32)
        {
            CastThroughF32(source, destination);
            return;
        }
        using var tmp = Tensor.Empty(source.Dims);
        TensorScope.Untrack(tmp);
        CastThroughF32(source, tmp);
        CastThroughF32(tmp, destination);
    }

    /// <summary>Conversions with F32 on one side; everything else goes through F32 in two steps.</summary>
    private static void CastThroughF32(Tensor source, Tensor destination)
    {
        if (source.DType == DType.F32)
        {
            var src = Data<float>(source);
            switch (destination.DType)
            {
                case DType.F32: src.CopyTo(Data<float>(destination)); break;
                case DType.BF16: BFloat16Bits.FromFloat(src, Data<ushort>(destination)); break;
                case DType.F16: TensorPrimitives.ConvertToHalf(src, Data<Half>(destination)); break;
                case DType.I32: TensorPrimitives.ConvertTruncating<float, int>(src, Data<int>(destination)); break;
                case DType.I64: TensorPrimitives.ConvertTruncating<float, long>(src, Data<long>(destination)); break;
                case DType.F64: TensorPrimitives.ConvertChecked<float, double>(src, Data<double>(destination)); break;
            }
            return;
        }
        var dst = Data<float>(destination);
        switch (source.DType)
        {
            case DType.BF16: BFloat16Bits.ToFloat(Data<ushort>(source), dst); break;
            case DType.F16: TensorPrimitives.ConvertToSingle(Data<Half>(source), dst); break;
            case DType.I32: TensorPrimitives.ConvertChecked<int, float>(Data<int>(source), dst); break;
            case DType.I64: TensorPrimitives.ConvertChecked<long, float>(Data<long>(source), dst); break;
            case DType.F64: TensorPrimitives.ConvertTruncating<double, float>(Data<double>(source), dst); break;
        }
    }

    public void FillRandom(Tensor tensor, RandomDistribution distribution, ulong seed, ulong offset, float a, float b)
    {
        using var profile = CpuProfiler.Time(nameof(FillRandom));
        var data = Ptr(tensor);
        var n = tensor.NumEl;
        var perBlock = distribution == RandomDistribution.Uniform ? 4 : 2;
        var blocks = (n + perBlock - 1) / perBlock;
        CpuParallel.For(blocks, 64, (start, end) =>
        {
            Span<float> lanes = stackalloc float[4];
            for (var j = start; j < end; j++)
            {
                var (r0, r1, r2, r3) = Generator.Philox(seed, offset + (ulong)j);
                if (distribution == RandomDistribution.Uniform)
                {
                    lanes[0] = Generator.ToUniform(r0);
                    lanes[1] = Generator.ToUniform(r1);
                    lanes[2] = Generator.ToUniform(r2);
                    lanes[3] = Generator.ToUniform(r3);
                    for (var l = 0; l < 4 && j * 4 + l < n; l++) data[j * 4 + l] = a + (b - a) * lanes[l];
                }
                else
                {
                    var (z0, z1) = Generator.ToNormal(r0, r1);
                    data[j * 2] = a + b * z0;
                    if (j * 2 + 1 < n) data[j * 2 + 1] = a + b * z1;
                }
            }
        });
    }
}
