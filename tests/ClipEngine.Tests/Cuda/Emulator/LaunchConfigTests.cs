using ClipEngine.Backends.Cuda;

namespace ClipEngine.Tests.Cuda.Emulator;

[Collection(EmulatorCollection.Name)]
public sealed class LaunchConfigTests(EmulatorFixture fixture)
{
    public static TheoryData<uint, uint, uint, uint, string> BadConfigurations => new()
    {
        { 1, 1025, 1, 1, "exceeds the device limits: 1024 threads" },
        { 1, 64, 32, 1, "exceeds the device limits: 1024 threads" },
        { 1, 1, 1, 65, "exceeds the device limits: 1024 threads" },
        { 0, 32, 1, 1, "dimension is zero" },
        { 1, 0, 1, 1, "dimension is zero" },
    };

    [Theory]
    [MemberData(nameof(BadConfigurations))]
    public void InvalidLaunchConfigurationsAreRejectedWithTheKernelName(uint grid, uint blockX, uint blockY, uint blockZ, string reason)
    {
        using var output = DeviceArray<float>.Zeros(fixture.Driver, 2048);
        var error = Assert.Throws<CudaException>(() =>
            fixture.Driver.Run(fixture.Function("bounds.cu", "fill_index"), new Dim3(grid), new Dim3(blockX, blockY, blockZ), 0, output, 1, 0));
        Assert.Contains("fill_index", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void AnUnknownKernelNameIsReportedWithTheKernelsThereAre()
    {
        var error = Assert.Throws<CudaException>(() => fixture.Function("bounds.cu", "no_such_kernel"));
        Assert.Contains("bounds.cu", error.Message);
        Assert.Contains("fill_index", error.Message);
    }

    [Fact]
    public void ThreeDimensionalBlocksAndGridsIndexEveryThread()
    {
        Dim3 grid = new(3, 2, 2), block = new(5, 4, 3);
        var threads = (int)(grid.Count * block.Count);
        using var output = DeviceArray<int>.Zeros(fixture.Driver, 2 * threads);
        fixture.Driver.Run(fixture.Function("indices.cu", "record_indices"), grid, block, 0, output);

        var result = output.ToArray();
        var i = 0;
        for (var bz = 0; bz < grid.Z; bz++)
            for (var by = 0; by < grid.Y; by++)
                for (var bx = 0; bx < grid.X; bx++)
                    for (var tz = 0; tz < block.Z; tz++)
                        for (var ty = 0; ty < block.Y; ty++)
                            for (var tx = 0; tx < block.X; tx++, i++)
                            {
                                Assert.Equal(bx + 100 * by + 10000 * bz, result[2 * i]);
                                Assert.Equal(tx + 100 * ty + 10000 * tz, result[2 * i + 1]);
                            }
    }
}
