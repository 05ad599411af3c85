using System.Runtime.InteropServices;
using ClipEngine.Backends;

namespace ClipEngine;

public sealed partial class Tensor
{
    /// <summary>Uninitialised memory of the given shape; the start of every op's output.</summary>
    public static Tensor Empty(int[] shape, DType dtype = DType.F32, Device? device = null)
    {
        var backend = BackendRegistry.For(device ?? Device.Cpu);
        var bytes = ShapeUtil.NumEl(shape) * dtype.SizeInBytes();
        return new Tensor(backend.Allocate(bytes), (int[])shape.Clone(), dtype);
    }

    public static Tensor Full(int[] shape, double value, DType dtype = DType.F32, Device? device = null)
    {
        var t = Empty(shape, dtype, device);
        t.Backend.Fill(t, value);
        return t;
    }

    public static Tensor Zeros(int[] shape, DType dtype = DType.F32, Device? device = null) => Full(shape, 0, dtype, device);

    public static Tensor Ones(int[] shape, DType dtype = DType.F32, Device? device = null) => Full(shape, 1, dtype, device);

    public static Tensor ZerosLike(Tensor t) => Zeros(t.Dims, t.DType, t.Device);

    public static Tensor OnesLike(Tensor t) => Ones(t.Dims, t.DType, t.Device);

    /// <summary>A 0-dimensional tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(float value, Device? device = null) => Full([], value, DType.F32, device);

    /// <summary>start, start + step, … below end (torch.arange).</summary>
    public static Tensor Arange(long start, long end, long step = 1, DType dtype = DType.I64, Device? device = null)
    {
        if (step == 0) throw new ArgumentException("arange step must not be zero", nameof(step));
        var count = Math.Max(0, (end - start + step - (step > 0 ? 1 : -1)) / step);
        var values = new double[count];
        for (var i = 0; i < count; i++) values[i] = start + i * step;
        return FromDoubles(values, [checked((int)count)], dtype, device);
    }

    public static Tensor FromArray(float[] data, params int[] shape) => FromSpan<float>(data, shape, DType.F32);

    public static Tensor FromArray(int[] data, params int[] shape) => FromSpan<int>(data, shape, DType.I32);

    public static Tensor FromArray(long[] data, params int[] shape) => FromSpan<long>(data, shape, DType.I64);

    /// <summary>Copies host data of an exact dtype onto a device.</summary>
    public static Tensor FromSpan<T>(ReadOnlySpan<T> data, int[] shape, DType dtype, Device? device = null) where T : unmanaged
    {
        if (Marshal.SizeOf<T>() != dtype.SizeInBytes())
            throw new ArgumentException($"{typeof(T).Name} elements do not match dtype {dtype}");
        return FromBytes(MemoryMarshal.AsBytes(data), dtype, shape, device);
    }

    /// <summary>Copies raw little-endian bytes (as stored in safetensors) into a new tensor.</summary>
    public static Tensor FromBytes(ReadOnlySpan<byte> data, DType dtype, int[] shape, Device? device = null)
    {
        var expected = ShapeUtil.NumEl(shape) * dtype.SizeInBytes();
        if (data.Length != expected)
            throw new ArgumentException($"{data.Length} bytes given for shape {ShapeUtil.Format(shape)} of {dtype}, which needs {expected}");
        var t = Empty(shape, dtype, device);
        t.Backend.CopyFromHost(data, t);
        return t;
    }

    /// <summary>Host doubles converted to any dtype (the slow, general path for small tensors and tests).</summary>
    public static Tensor FromDoubles(ReadOnlySpan<double> values, int[] shape, DType dtype = DType.F32, Device? device = null)
    {
        if (values.Length != ShapeUtil.NumEl(shape))
            throw new ArgumentException($"{values.Length} values given for shape {ShapeUtil.Format(shape)}");
        var bytes = new byte[values.Length * dtype.SizeInBytes()];
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            switch (dtype)
            {
                case DType.F32: MemoryMarshal.Write(bytes.AsSpan(i * 4), (float)v); break;
                case DType.BF16: MemoryMarshal.Write(bytes.AsSpan(i * 2), BFloat16Bits.FromFloat((float)v)); break;
                case DType.F16: MemoryMarshal.Write(bytes.AsSpan(i * 2), (Half)v); break;
                case DType.I32: MemoryMarshal.Write(bytes.AsSpan(i * 4), checked((int)v)); break;
                case DType.I64: MemoryMarshal.Write(bytes.AsSpan(i * 8), checked((long)v)); break;
                case DType.F64: MemoryMarshal.Write(bytes.AsSpan(i * 8), v); break;
            }
        }
        return FromBytes(bytes, dtype, shape, device);
    }

    /// <summary>Uniform in [low, high) from <paramref name="generator"/> (see <see cref="Generator"/> for the stream).</summary>
    public static Tensor Rand(int[] shape, Generator generator, float low = 0f, float high = 1f, Device? device = null) =>
        Random(shape, generator, RandomDistribution.Uniform, low, high, device);

    /// <summary>Normal with the given mean and standard deviation from <paramref name="generator"/>.</summary>
    public static Tensor Randn(int[] shape, Generator generator, float mean = 0f, float std = 1f, Device? device = null) =>
        Random(shape, generator, RandomDistribution.Normal, mean, std, device);

    private static Tensor Random(int[] shape, Generator generator, RandomDistribution distribution, float a, float b, Device? device)
    {
        var t = Empty(shape, DType.F32, device);
        var offset = generator.Advance(t.NumEl, distribution);
        t.Backend.FillRandom(t, distribution, generator.Seed, offset, a, b);
        return t;
    }

    /// <summary>A copy with its own storage, outside the graph.</summary>
    public Tensor Clone()
    {
        var t = NewEmpty(_shape);
        Backend.Copy(this, 0, t, 0, NumEl);
        return t;
    }

    /// <summary>This tensor on another device (itself, viewed, when it is already there). Gradients flow back across.</summary>
    public Tensor To(Device device) => Ops.ToDevice(this, device);

    /// <summary>This tensor converted to another dtype. Gradients flow back through float conversions.</summary>
    public Tensor To(DType dtype) => Ops.Cast(this, dtype);
}
