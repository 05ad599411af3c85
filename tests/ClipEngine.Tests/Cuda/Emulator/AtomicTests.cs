namespace ClipEngine.Tests.Cuda.Emulator;

[Collection(EmulatorCollection.Name)]
public sealed class AtomicTests(EmulatorFixture fixture)
{
    [Fact]
    public void AtomicsFromManyBlocksLoseNoUpdate()
    {
        const int n = 200_000;
        // Quarter-integers: every partial sum stays below 2^24 quarter units, so any order of float additions is exact.
        var values = Enumerable.Range(0, n).Select(i => (i % 7) * 0.25f).ToArray();
        using var input = DeviceArray<float>.From(fixture.Driver, values);
        using var floatSum = DeviceArray<float>.Zeros(fixture.Driver, 1);
        using var count = DeviceArray<int>.Zeros(fixture.Driver, 1);
        using var maxIndex = DeviceArray<uint>.Zeros(fixture.Driver, 1);
        using var ullSum = DeviceArray<ulong>.Zeros(fixture.Driver, 1);
        fixture.Driver.Run(fixture.Function("atomics.cu", "contend"), 64, 128, 0, input, floatSum, count, maxIndex, ullSum, n);

        Assert.Equal(values.Sum(v => (double)v), floatSum.ToArray()[0]);
        Assert.Equal(n, count.ToArray()[0]);
        Assert.Equal((uint)(n - 1), maxIndex.ToArray()[0]);
        Assert.Equal((ulong)n * (n - 1) / 2, ullSum.ToArray()[0]);
    }

    [Fact]
    public void CompareAndSwapLockSerializesBlocks()
    {
        const int blocks = 500;
        using var lockWord = DeviceArray<int>.Zeros(fixture.Driver, 1);
        using var total = DeviceArray<float>.Zeros(fixture.Driver, 1);
        fixture.Driver.Run(fixture.Function("atomics.cu", "cas_lock"), blocks, 32, 0, lockWord, total);

        Assert.Equal(blocks, total.ToArray()[0]);
        Assert.Equal(0, lockWord.ToArray()[0]);
    }
}
