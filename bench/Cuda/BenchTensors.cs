using ClipEngine.Backends;
using ClipEngine.Backends.Cuda;

namespace ClipEngine.Bench.Cuda;

/// <summary>The tensors of one benchmark on the backend's device, inputs drawn from fixed seeds; disposed together.</summary>
public sealed class BenchTensors(CudaBackend backend) : IDisposable
{
    private readonly List<Tensor> _tensors = [];
    private ulong _seed;

    public CudaBackend Backend => backend;

    /// <summary>Uninitialised: for what the benchmark writes.</summary>
    public Tensor Empty(int[] shape, DType dtype = DType.F32)
    {
        var t = Tensor.Empty(shape, dtype, backend.Device);
        _tensors.Add(t);
        return t;
    }

    public Tensor Full(int[] shape, double value)
    {
        var t = Empty(shape);
        backend.Fill(t, value);
        return t;
    }

    /// <summary>Normal(0, std) values, each tensor from a seed of its own.</summary>
    public Tensor Normal(int[] shape, float std = 1f)
    {
        var t = Empty(shape);
        backend.FillRandom(t, RandomDistribution.Normal, ++_seed, 0, 0f, std);
        return t;
    }

    /// <summary>Normal(0, 1) values rounded to BF16.</summary>
    public Tensor NormalBf16(int[] shape)
    {
        var t = Empty(shape, DType.BF16);
        backend.Cast(Normal(shape), t);
        return t;
    }

    /// <summary>Normal(0, 1) values in <paramref name="dtype"/>, F32 or BF16.</summary>
    public Tensor Normal(int[] shape, DType dtype) => dtype == DType.BF16 ? NormalBf16(shape) : Normal(shape);

    public void Dispose()
    {
        foreach (var t in _tensors) t.Dispose();
        _tensors.Clear();
    }
}
