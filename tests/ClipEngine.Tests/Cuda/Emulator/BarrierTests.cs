using ClipEngine.Backends.Cuda;

namespace ClipEngine.Tests.Cuda.Emulator;

[Collection(EmulatorCollection.Name)]
public sealed class BarrierTests(EmulatorFixture fixture)
{
    private const int Blocks = 4;
    private const int Threads = 128;

    [Theory]
    [InlineData(1)]
    [InlineData(Threads - 1)]
    public void RotationThroughSharedMemoryIsRightWithTheBarrier(int shift)
    {
        var result = Rotate("rotate_synced", shift);
        Assert.Equal(Expected(shift), result);
    }

    // Shift 1 reads the next thread's slot, shift n-1 the previous one's: whichever order the threads of a block ran
    // in, one of the two reads a slot before it is written unless the threads are really interleaved at the barrier.
    [Theory]
    [InlineData(1)]
    [InlineData(Threads - 1)]
    public void RotationWithoutTheBarrierReadsSlotsBeforeTheyAreWritten(int shift)
    {
        var result = Rotate("rotate_unsynced", shift);
        Assert.NotEqual(Expected(shift), result);
    }

    [Fact]
    public void ThreadsExitingBeforeABarrierOthersWaitAtIsAnError()
    {
        using var output = DeviceArray<float>.Zeros(fixture.Driver, Threads);
        var error = Assert.Throws<CudaException>(() =>
            fixture.Driver.Run(fixture.Function("barrier.cu", "exit_before_barrier"), 1, Threads, 0, output, 16));
        Assert.Contains("exit_before_barrier", error.Message);
        Assert.Contains("divergent __syncthreads() at barrier.cu:26", error.Message);
        Assert.Contains("16 of 128 threads wait there", error.Message);
    }

    [Fact]
    public void ThreadsWaitingAtDifferentBarriersIsAnError()
    {
        using var output = DeviceArray<float>.Zeros(fixture.Driver, 64);
        var error = Assert.Throws<CudaException>(() =>
            fixture.Driver.Run(fixture.Function("barrier.cu", "split_barriers"), 1, 64, 0, output));
        Assert.Contains("divergent __syncthreads()", error.Message);
        Assert.Contains("barrier.cu:35", error.Message);
        Assert.Contains("barrier.cu:39", error.Message);
    }

    [Fact]
    public void AKernelErrorLeavesTheDriverUsable()
    {
        var error = Assert.Throws<CudaException>(() =>
            fixture.Driver.Run(fixture.Function("barrier.cu", "trap_in_thread"), 3, 64, 0, 37));
        Assert.Contains("__trap() at barrier.cu:61", error.Message);
        Assert.Contains("thread (37,0,0)", error.Message);
        Assert.Equal(Expected(1), Rotate("rotate_synced", 1));
    }

    [Fact]
    public void AFailedAssertFailsTheLaunch()
    {
        var values = Enumerable.Range(1, 64).Select(i => i == 50 ? -1f : i).ToArray();
        using var input = DeviceArray<float>.From(fixture.Driver, values);
        var error = Assert.Throws<CudaException>(() => fixture.Driver.Run(fixture.Function("barrier.cu", "assert_positive"), 1, 64, 0, input));
        Assert.Contains("thread (49,0,0)", error.Message);
        Assert.Contains("assertion 'values[threadIdx.x] > 0.0f' failed", error.Message);
        Assert.Contains("barrier.cu:68", error.Message);
    }

    [Fact]
    public void BarrierReductionsCountAndCombinePredicates()
    {
        var random = new Random(7);
        var predicates = new int[Blocks * Threads];
        for (var i = 0; i < predicates.Length; i++) predicates[i] = random.Next(4) == 0 ? random.Next(1, 5) : 0;
        Array.Fill(predicates, 1, Threads, Threads);  // block 1: all true
        Array.Fill(predicates, 0, 2 * Threads, Threads); // block 2: none
        using var input = DeviceArray<int>.From(fixture.Driver, predicates);
        using var counts = DeviceArray<int>.Zeros(fixture.Driver, 3 * Blocks);
        fixture.Driver.Run(fixture.Function("barrier.cu", "barrier_reductions"), Blocks, Threads, 0, input, counts);

        var result = counts.ToArray();
        for (var b = 0; b < Blocks; b++)
        {
            var block = predicates.Skip(b * Threads).Take(Threads).ToArray();
            Assert.Equal(block.Count(p => p != 0), result[3 * b]);
            Assert.Equal(block.All(p => p != 0) ? 1 : 0, result[3 * b + 1]);
            Assert.Equal(block.Any(p => p != 0) ? 1 : 0, result[3 * b + 2]);
        }
    }

    private float[] Rotate(string kernel, int shift)
    {
        var values = Enumerable.Range(1, Blocks * Threads).Select(i => (float)i).ToArray();
        using var input = DeviceArray<float>.From(fixture.Driver, values);
        using var output = DeviceArray<float>.Zeros(fixture.Driver, values.Length);
        fixture.Driver.Run(fixture.Function("barrier.cu", kernel), Blocks, Threads, 0, input, output, shift);
        return output.ToArray();
    }

    private static float[] Expected(int shift) =>
        [.. Enumerable.Range(0, Blocks * Threads).Select(i => (float)(i / Threads * Threads + (i % Threads + shift) % Threads + 1))];
}
