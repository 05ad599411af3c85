namespace ClipEngine.Backends.Cuda;

// Seeded random tensors (kernels/random.cu): the Philox streams of Generator, the same numbers as on the Cpu backend.
public sealed partial class CudaBackend
{
    public void FillRandom(Tensor tensor, RandomDistribution distribution, ulong seed, ulong offset, float a, float b)
    {
        tensor.ThrowIfNotDType(DType.F32, "FillRandom");
        var n = tensor.NumEl;
        if (n == 0) return;
        var normal = distribution switch
        {
            RandomDistribution.Uniform => 0,
            RandomDistribution.Normal => 1,
            _ => throw new NotSupportedException($"random distribution {distribution}"),
        };
        var blocks = normal == 1 ? (n + 1) / 2 : (n + 3) / 4;
        Launcher.Launch(Modules.Get("random.cu", "fill_random_f32"), LaunchConfig.GridStride(blocks, _maxBlocks),
            Ptr(tensor), n, normal, seed, offset, a, b);
    }
}
