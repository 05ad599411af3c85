using ClipEngine.Backends;

namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;

/// <summary>Seeded random tensors on the Cuda backend: the Cpu backend's Philox streams, uniforms bitwise, normals within 1e-6.</summary>
[Collection(CudaTestDevice.Collection)]
public class CudaRandomTests
{
    public static TheoryData<int, ulong, ulong> Draws => new()
    {
        // count, seed, offset
        { 1, 0, 0 },
        { 3, 42, 7 },
        { 17, 0xDEADBEEFCAFEF00D, 1UL << 33 },
        { 65, 1, ulong.MaxValue - 3 },
        { 257, 12345, 100 },
        { 4097, 7, 0 },
    };

    [Theory]
    [MemberData(nameof(Draws))]
    public void UniformIsBitwiseTheCpus(int n, ulong seed, ulong offset)
    {
        foreach (var (low, high) in new[] { (0f, 1f), (-2f, 3f), (0.1f, 0.3f) })
        {
            using var run = BothBackends.Run((backend, t) => backend.FillRandom(t[0], RandomDistribution.Uniform, seed, offset, low, high), Tensor.Empty([n]));
            run.AssertBitwise(0, $"{n} uniforms in [{low}, {high}) from seed {seed}, offset {offset}");
            Assert.All(run.Cuda[0].ToArray<float>(), u => Assert.InRange(u, low, high));
        }
    }

    [Theory]
    [MemberData(nameof(Draws))]
    public void NormalIsTheCpusWithinTheUlpsOfLogAndSinCos(int n, ulong seed, ulong offset)
    {
        foreach (var (mean, std) in new[] { (0f, 1f), (0.5f, 2f) })
        {
            using var run = BothBackends.Run((backend, t) => backend.FillRandom(t[0], RandomDistribution.Normal, seed, offset, mean, std), Tensor.Empty([n]));
            run.AssertClose(0, 1e-6, 1e-6 * std, $"{n} normals ({mean}, {std}) from seed {seed}, offset {offset}");
        }
    }

    [Fact]
    public void GeneratorsOnBothDevicesDrawTheSameSequence()
    {
        _ = Backend;
        var onCpu = new Generator(2024);
        var onCuda = new Generator(2024);
        foreach (var shape in new[] { new[] { 3, 5 }, [17], [2, 2, 2] })
        {
            using var cpuUniform = Tensor.Rand(shape, onCpu, -1f, 1f);
            using var cudaUniform = Tensor.Rand(shape, onCuda, -1f, 1f, Device);
            Assert.Equal(cpuUniform.ToArray<float>(), cudaUniform.ToArray<float>());
            using var cpuNormal = Tensor.Randn(shape, onCpu);
            using var cudaNormal = Tensor.Randn(shape, onCuda, device: Device);
            CudaAssert.Close(cpuNormal.ToArray<float>(), cudaNormal.ToArray<float>(), 1e-6, 1e-6, $"normals {ShapeUtil.Format(shape)}");
        }
        Assert.Equal(onCpu.Offset, onCuda.Offset);
    }
}
