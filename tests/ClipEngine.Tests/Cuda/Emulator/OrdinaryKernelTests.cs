namespace ClipEngine.Tests.Cuda.Emulator;

/// <summary>A kernel file written as the engine's kernels are (ordinary.cu) builds unchanged and computes the right thing.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class OrdinaryKernelTests(EmulatorFixture fixture)
{
    [Theory]
    [InlineData(3, 4, 32)]
    [InlineData(5, 1000, 256)]
    [InlineData(2, 4096, 96)]
    public void SoftmaxOfBFloat16RowsMatchesFloat64(int rows, int cols, int threads)
    {
        var random = new Random(rows * cols);
        var bits = Enumerable.Range(0, rows * cols).Select(_ => BFloat16Bits.FromFloat((float)(random.NextDouble() * 20 - 10))).ToArray();
        using var input = DeviceArray<ushort>.From(fixture.Driver, bits);
        using var output = DeviceArray<float>.Zeros(fixture.Driver, rows * cols);
        fixture.Driver.Run(fixture.Function("ordinary.cu", "softmax_rows"), rows, threads, 0, input, output, cols);

        var result = output.ToArray();
        for (var r = 0; r < rows; r++)
        {
            var x = bits.Skip(r * cols).Take(cols).Select(b => (double)BFloat16Bits.ToFloat(b)).ToArray();
            var max = x.Max();
            var sum = x.Sum(v => Math.Exp(v - max));
            for (var c = 0; c < cols; c++)
            {
                // fp32 exp and a sum of up to 4096 terms: a few ulp relative error.
                var expected = Math.Exp(x[c] - max) / sum;
                Assert.True(Math.Abs(result[r * cols + c] - expected) <= 1e-5 * expected + 1e-12, $"row {r} col {c}: {result[r * cols + c]} vs {expected}");
            }
        }
    }

    [Fact]
    public void GridStrideLoopCoversEveryElement()
    {
        const int n = 10_000;
        var values = Enumerable.Range(0, n).Select(i => i / (float)n).ToArray();
        using var data = DeviceArray<float>.From(fixture.Driver, values);
        fixture.Driver.Run(fixture.Function("ordinary.cu", "scale"), 7, 64, 0, data, 3.0f, (long)n);

        var result = data.ToArray();
        for (var i = 0; i < n; i++) Assert.Equal(Math.Clamp(values[i] * 3.0f, 0f, 1f), result[i]);
    }

    [Fact]
    public void KernelsDefinedByAMacroAreFound()
    {
        using var floats = DeviceArray<float>.Zeros(fixture.Driver, 100);
        using var ints = DeviceArray<int>.Zeros(fixture.Driver, 100);
        fixture.Driver.Run(fixture.Function("ordinary.cu", "fill_f32"), 2, 32, 0, floats, 2.5f, 100);
        fixture.Driver.Run(fixture.Function("ordinary.cu", "fill_i32"), 2, 32, 0, ints, -7, 100);
        Assert.All(floats.ToArray(), v => Assert.Equal(2.5f, v));
        Assert.All(ints.ToArray(), v => Assert.Equal(-7, v));
    }
}
