using ClipEngine.Backends.Cuda;

namespace ClipEngine.Tests.Cuda.Emulator;

[Collection(EmulatorCollection.Name)]
public sealed class SharedMemoryTests(EmulatorFixture fixture)
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(37, 61)]
    [InlineData(65, 33)]
    [InlineData(1, 100)]
    [InlineData(100, 3)]
    public void TiledTransposeIsExactAtOddSizes(int rows, int cols)
    {
        var values = Enumerable.Range(0, rows * cols).Select(i => (float)i).ToArray();
        using var input = DeviceArray<float>.From(fixture.Driver, values);
        using var output = DeviceArray<float>.Zeros(fixture.Driver, values.Length);
        var grid = new Dim3((uint)((cols + 31) / 32), (uint)((rows + 31) / 32));
        fixture.Driver.Run(fixture.Function("shared.cu", "transpose"), grid, new Dim3(32, 8), 0, input, output, rows, cols);

        var result = output.ToArray();
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < cols; c++)
                Assert.Equal(values[r * cols + c], result[c * rows + r]);
    }

    [Theory]
    [InlineData(32)]
    [InlineData(100)]
    [InlineData(1024)]
    public void DynamicSharedMemoryIsSizedByTheLaunch(int threads)
    {
        const int blocks = 3;
        var values = Enumerable.Range(0, blocks * threads).Select(i => (float)i).ToArray();
        using var input = DeviceArray<float>.From(fixture.Driver, values);
        using var output = DeviceArray<float>.Zeros(fixture.Driver, values.Length);
        fixture.Driver.Run(fixture.Function("shared.cu", "reverse_dynamic"), blocks, threads, threads * sizeof(float), input, output);

        var result = output.ToArray();
        for (var i = 0; i < values.Length; i++)
            Assert.Equal(values[i / threads * threads + threads - 1 - i % threads], result[i]);
    }

    [Fact]
    public void DynamicSharedMemoryStartsUninitialized()
    {
        const int bytes = 1000;
        using var output = DeviceArray<byte>.Zeros(fixture.Driver, bytes);
        fixture.Driver.Run(fixture.Function("shared.cu", "dump_dynamic"), 1, 64, bytes, output, bytes);
        Assert.DoesNotContain((byte)0, output.ToArray());
    }

    [Fact]
    public void MoreThan48KiBOfDynamicSharedMemoryNeedsTheOptIn()
    {
        var function = fixture.Function("shared.cu", "dump_dynamic");
        const int bytes = 100 * 1024;
        using var output = DeviceArray<byte>.Zeros(fixture.Driver, bytes);
        var error = Assert.Throws<CudaException>(() => fixture.Driver.Run(function, 1, 256, bytes, output, bytes));
        Assert.Contains("dump_dynamic", error.Message);
        Assert.Contains("SetMaxDynamicSharedMemory", error.Message);

        fixture.Driver.SetMaxDynamicSharedMemory(function, bytes);
        fixture.Driver.Run(function, 1, 256, bytes, output, bytes);
        Assert.Throws<CudaException>(() => fixture.Driver.SetMaxDynamicSharedMemory(function, 228 * 1024));
    }
}
