using ClipEngine.Backends;

namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;

/// <summary>Permute and Broadcast on the Cuda backend against the Cpu backend, byte for byte.</summary>
[Collection(CudaTestDevice.Collection)]
public class CudaLayoutTests
{
    public static TheoryData<int[], int[]> Permutations => new()
    {
        // the tiled transpose: last two axes swapped, with and without a batch, tiles cut at odd edges
        { [3, 5], [1, 0] },
        { [65, 33], [1, 0] },
        { [2, 17, 33], [0, 2, 1] },
        { [3, 70, 1], [0, 2, 1] },
        { [2, 3, 4, 5], [0, 1, 3, 2] },  // coalesces to [6, 4, 5] by [0, 2, 1]
        // strided copies
        { [2, 3, 4, 5], [1, 0, 2, 3] },  // coalesces to [2, 3, 20] by [1, 0, 2]: runs of 20 stay contiguous
        { [2, 3, 4, 5], [0, 2, 1, 3] },
        { [2, 3, 4, 5], [3, 1, 0, 2] },
        { [1, 17, 1, 5], [3, 2, 1, 0] },
        { [4, 1, 65], [2, 0, 1] },
        { [2, 3, 2, 3, 2, 3, 2, 3], [7, 6, 5, 4, 3, 2, 1, 0] },
        // identities and size-1 moves: plain copies
        { [17], [0] },
        { [3, 1, 5], [1, 0, 2] },
    };

    [Theory]
    [MemberData(nameof(Permutations))]
    public void PermuteMatchesCpuForEveryElementSize(int[] shape, int[] perm)
    {
        var outShape = perm.Select(a => shape[a]).ToArray();
        foreach (var dtype in new[] { DType.F32, DType.BF16, DType.I64 })
        {
            var bytes = RandomBytes(ShapeUtil.NumEl(shape) * dtype.SizeInBytes(), shape.Length);
            using var run = BothBackends.Run((backend, t) => backend.Permute(t[0], perm, t[1]),
                Tensor.FromBytes(bytes, dtype, shape), Tensor.Empty(outShape, dtype));
            run.AssertBitwise(1, $"{dtype} {ShapeUtil.Format(shape)} permuted by [{string.Join(", ", perm)}]");
        }
    }

    [Fact]
    public void PermutationsThatNeedMoreThanEightAxesAreRefused()
    {
        int[] shape = [2, 2, 2, 2, 2, 2, 2, 2, 2];
        using var x = Empty(shape);
        using var y = Empty(shape);
        Assert.Throws<NotSupportedException>(() => Backend.Permute(x, [8, 7, 6, 5, 4, 3, 2, 1, 0], y));
    }

    public static TheoryData<int[], int[]> Broadcasts => new()
    {
        { [1], [17] },
        { [], [3, 2] },
        { [65], [4, 65] },
        { [3, 1], [2, 3, 5] },
        { [2, 1, 3], [2, 4, 3] },
        { [1, 5], [4, 5] },
        { [5], [1, 5] },
        { [4, 1, 1, 3], [4, 2, 5, 3] },
        { [1, 1, 1, 1, 1, 1, 1, 1, 2], [2, 1, 2, 1, 2, 1, 2, 1, 2] },
    };

    [Theory]
    [MemberData(nameof(Broadcasts))]
    public void BroadcastMatchesCpu(int[] from, int[] to)
    {
        var x = Normal((int)ShapeUtil.NumEl(from), to.Length);
        using var run = BothBackends.Run((backend, t) => backend.Broadcast(t[0], t[1]), Tensor.FromArray(x, from), Tensor.Empty(to));
        run.AssertBitwise(1, $"{ShapeUtil.Format(from)} broadcast to {ShapeUtil.Format(to)}");
    }
}
