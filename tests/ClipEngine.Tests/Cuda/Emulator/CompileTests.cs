using ClipEngine.Backends.Cuda;
using ClipEngine.Backends.Cuda.Emulated;

namespace ClipEngine.Tests.Cuda.Emulator;

[Collection(EmulatorCollection.Name)]
public sealed class CompileTests
{
    [Fact]
    public void ACompileErrorNamesFileAndLine()
    {
        const string code = "// broken on purpose\nextern \"C\" __global__ void broken(float* out)\n{\n    out[threadIdx.x] = undeclared_name;\n}\n";
        using var driver = new EmulatedDriver();
        var error = Assert.Throws<CudaCompileException>(() => driver.LoadModule(new KernelSource("broken.cu", code, new Dictionary<string, string>())));
        Assert.Equal("broken.cu", error.SourceName);
        Assert.Contains("broken.cu:4:", error.Log);
        Assert.Contains("undeclared_name", error.Log);
    }

    [Fact]
    public void ASecondLoadOfTheSameSourceHitsTheCache()
    {
        // A comment no earlier run has seen makes the first load a cache miss.
        var code = $"// {Guid.NewGuid()}\nextern \"C\" __global__ void one(float* out) {{ out[threadIdx.x] = 1.0f; }}\n";
        var source = new KernelSource("cache_probe.cu", code, new Dictionary<string, string>());
        using var driver = new EmulatedDriver();
        string image;
        using (var first = driver.LoadModule(source))
        {
            Assert.Equal(1, driver.Compilations);
            image = ((EmulatedModule)first).ImagePath;
        }
        using (var second = driver.LoadModule(source))
        {
            Assert.Equal(1, driver.Compilations);
            Assert.Equal(image, ((EmulatedModule)second).ImagePath);
            using var output = DeviceArray<float>.Zeros(driver, 32);
            driver.Run(second.GetFunction("one"), 1, 32, 0, output);
            Assert.All(output.ToArray(), v => Assert.Equal(1f, v));
        }
        File.Delete(image);
    }
}
