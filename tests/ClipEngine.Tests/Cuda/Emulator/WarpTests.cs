using ClipEngine.Backends.Cuda;

namespace ClipEngine.Tests.Cuda.Emulator;

[Collection(EmulatorCollection.Name)]
public sealed class WarpTests(EmulatorFixture fixture)
{
    private const int Blocks = 3;
    private const int Threads = 96; // three warps per block

    // Small integers: every partial sum is exact in float, so the shuffles must reproduce the scalar sums exactly.
    private static float[] Values() => [.. Enumerable.Range(0, Blocks * Threads).Select(i => (float)((i * 37 + 11) % 23 - 11))];

    [Fact]
    public void ShuffleReductionsScanAndBroadcastMatchScalarLoops()
    {
        var values = Values();
        using var input = DeviceArray<float>.From(fixture.Driver, values);
        var warps = values.Length / 32;
        using var output = DeviceArray<float>.Zeros(fixture.Driver, 8 * warps);
        using var scan = DeviceArray<float>.Zeros(fixture.Driver, values.Length);
        fixture.Driver.Run(fixture.Function("warp.cu", "warp_sums"), Blocks, Threads, 0, input, output, scan);

        var result = output.ToArray();
        var prefix = scan.ToArray();
        for (var w = 0; w < warps; w++)
        {
            var lanes = values.AsSpan(32 * w, 32).ToArray();
            Assert.Equal(lanes.Sum(), result[8 * w + 0]);
            Assert.Equal(lanes.Sum(), result[8 * w + 1]);
            Assert.Equal(lanes[5], result[8 * w + 2]);
            var running = 0f;
            for (var lane = 0; lane < 32; lane++)
            {
                running += lanes[lane];
                Assert.Equal(running, prefix[32 * w + lane]);
            }
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(16)]
    public void ShufflesWithAWidthStayInsideTheirSegment(int width)
    {
        var values = Values();
        using var input = DeviceArray<float>.From(fixture.Driver, values);
        var segments = values.Length / width;
        using var output = DeviceArray<float>.Zeros(fixture.Driver, 2 * segments);
        fixture.Driver.Run(fixture.Function("warp.cu", "segment_sums"), Blocks, Threads, 0, input, output, width);

        var result = output.ToArray();
        for (var s = 0; s < segments; s++)
        {
            var expected = values.AsSpan(s * width, width).ToArray().Sum();
            Assert.Equal(expected, result[2 * s]);
            Assert.Equal(expected, result[2 * s + 1]);
        }
    }

    [Theory]
    [InlineData(0xFFFFFFFFu)]
    [InlineData(0x0000FFFFu)]
    [InlineData(0x80000001u)]
    [InlineData(0x00F0F00Cu)]
    public void VotesCountOnlyTheLanesOfTheirMask(uint mask)
    {
        var random = new Random((int)(mask % 1000));
        var predicates = Enumerable.Range(0, Blocks * Threads).Select(_ => random.Next(3) == 0 ? 1 : 0).ToArray();
        for (var lane = 0; lane < 32; lane++) predicates[32 + lane] = 1; // warp 1: all true
        for (var lane = 0; lane < 32; lane++) predicates[64 + lane] = 0; // warp 2: none
        using var input = DeviceArray<int>.From(fixture.Driver, predicates);
        var warps = predicates.Length / 32;
        using var output = DeviceArray<uint>.Zeros(fixture.Driver, 4 * warps);
        fixture.Driver.Run(fixture.Function("warp.cu", "votes"), Blocks, Threads, 0, input, output, mask);

        var result = output.ToArray();
        for (var w = 0; w < warps; w++)
        {
            uint ballot = 0;
            for (var lane = 0; lane < 32; lane++)
                if ((mask & (1u << lane)) != 0 && predicates[32 * w + lane] != 0) ballot |= 1u << lane;
            Assert.Equal(ballot, result[4 * w + 0]);
            Assert.Equal(ballot != 0 ? 1u : 0u, result[4 * w + 1]);
            Assert.Equal(ballot == mask ? 1u : 0u, result[4 * w + 2]);
            Assert.Equal((uint)System.Numerics.BitOperations.PopCount(ballot), result[4 * w + 3]);
        }
    }

    [Fact]
    public void AShuffleNamingAnExitedLaneIsAnError()
    {
        using var output = DeviceArray<float>.Zeros(fixture.Driver, 32);
        var error = Assert.Throws<CudaException>(() =>
            fixture.Driver.Run(fixture.Function("warp.cu", "shuffle_after_exit"), 1, 32, 0, output));
        Assert.Contains("__shfl_xor_sync at warp.cu:78", error.Message);
        Assert.Contains("lane 3 of mask 0xffffffff has exited", error.Message);
    }
}
