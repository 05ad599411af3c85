using System.Text;
using ClipEngine.Backends.Cuda;

namespace ClipEngine.Tests.Cuda.Interop;

/// <summary>The real NVRTC on kernels written here (kernels/ belongs to the kernel files' authors).</summary>
public class NvrtcCompilerTests
{
    private static readonly KernelSource Scale = new("scale.cu", """
        #include "half_of.cuh"
        extern "C" __global__ void scale(const float* x, float* y, int n)
        {
            int i = blockIdx.x * blockDim.x + threadIdx.x;
            if (i < n) y[i] = half_of(x[i]);
        }
        """, new Dictionary<string, string> { ["half_of.cuh"] = "__device__ inline float half_of(float v) { return 0.5f * v; }\n" });

    // `shuffle` stages 256 floats in shared memory and must not spill; `heavy` keeps 48 live values per thread
    // under a 32-register cap (1024 threads × 2 blocks per SM), which forces ptxas to spill.
    private static readonly KernelSource Resources = new("resources.cu", """
        extern "C" __global__ void shuffle(float* x)
        {
            __shared__ float s[256];
            s[threadIdx.x] = x[threadIdx.x];
            __syncthreads();
            x[threadIdx.x] = s[255 - threadIdx.x];
        }

        extern "C" __global__ void __launch_bounds__(1024, 2) heavy(const float* x, float* y, int n)
        {
            float a[48];
        #pragma unroll
            for (int i = 0; i < 48; i++) a[i] = x[threadIdx.x + i * n];
            float s = 0;
        #pragma unroll
            for (int j = 0; j < 48; j++)
        #pragma unroll
                for (int i = 0; i < 48; i++) s += a[i] * a[(i + j) % 48];
            y[threadIdx.x] = s;
        }
        """, new Dictionary<string, string>());

    public NvrtcCompilerTests() => NvrtcRequirement.Ensure();

    [Theory]
    [InlineData("sm_80")]
    [InlineData("sm_90")]
    public void CompilesToACubinWithHeadersFromTheSource(string arch)
    {
        var output = NvrtcCompiler.Compile(Scale, arch);

        Assert.True(output.IsCubin);
        Assert.Equal("\u007fELF"u8.ToArray(), output.Image[..4]);
    }

    [Fact]
    public void CompilesToNulTerminatedPtxForAVirtualArch()
    {
        var output = NvrtcCompiler.Compile(Scale, "compute_80");

        Assert.False(output.IsCubin);
        Assert.Equal(0, output.Image[^1]);
        var ptx = Encoding.UTF8.GetString(output.Image);
        Assert.Contains(".target sm_80", ptx);
        Assert.Contains(".entry scale", ptx);
    }

    [Fact]
    public void ACompileErrorNamesFileAndLine()
    {
        var broken = new KernelSource("broken.cu", "extern \"C\" __global__ void f(float* y)\n{\n    y[0] = undefined_value;\n}\n",
            new Dictionary<string, string>());

        var error = Assert.Throws<CudaCompileException>(() => NvrtcCompiler.Compile(broken, "sm_80"));

        Assert.Equal("broken.cu", error.SourceName);
        Assert.Contains("broken.cu(3): error", error.Log);
        Assert.Contains("undefined_value", error.Message);
    }

    [Theory]
    [InlineData("sm_80")]
    [InlineData("sm_90")]
    public void TheReportReadsRegistersSharedMemoryAndSpillsFromRealOutput(string arch)
    {
        var entry = KernelReport.Compile(Resources, arch);

        Assert.Null(entry.Error);
        var shuffle = Assert.Single(entry.Functions, f => f.Function == "shuffle");
        Assert.True(shuffle.IsEntry);
        Assert.Equal(arch, shuffle.Arch);
        Assert.InRange(shuffle.Registers, 1, 255);
        Assert.Equal(256 * sizeof(float), shuffle.SharedBytes);
        Assert.False(shuffle.Spills);
        var heavy = Assert.Single(entry.Functions, f => f.Function == "heavy");
        Assert.InRange(heavy.Registers, 1, 32);
        Assert.True(heavy.SpillStoreBytes > 0 && heavy.SpillLoadBytes > 0, $"expected spills, got {heavy}");
        Assert.False(entry.Passed);
        Assert.Contains("SPILLS", KernelReport.Format([entry]));
    }

    [Fact]
    public void TheReportCarriesACompileErrorInsteadOfThrowing()
    {
        var broken = new KernelSource("typo.cu", "extern \"C\" __global__ void f() { int x = ; }\n", new Dictionary<string, string>());

        var entry = KernelReport.Compile(broken, "sm_90");

        Assert.False(entry.Passed);
        Assert.Contains("typo.cu(1): error", entry.Error);
        Assert.Contains("typo.cu(1): error", KernelReport.Format([entry]));
    }

    [Fact]
    public void TargetsTheDevicesOwnArchOrPtxForTheNewestOlderOne()
    {
        var newest = NvrtcCompiler.SupportedArchs.Max();

        Assert.Contains(80, NvrtcCompiler.SupportedArchs);
        Assert.Equal("sm_80", NvrtcCompiler.TargetFor(80));
        Assert.Equal($"compute_{newest}", NvrtcCompiler.TargetFor(newest + 1000));
        Assert.Throws<CudaException>(() => NvrtcCompiler.TargetFor(10));
    }

    [Fact]
    public void ReportsItsVersionAsTheCacheIdentity()
    {
        var (major, minor) = NvrtcCompiler.Version;

        Assert.True(major >= 11, $"NVRTC {major}.{minor} is older than 11");
        Assert.Equal($"nvrtc-{major}.{minor}", NvrtcCompiler.Identity);
    }
}
