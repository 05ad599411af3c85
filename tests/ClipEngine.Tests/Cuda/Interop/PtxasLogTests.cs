using ClipEngine.Backends.Cuda;

namespace ClipEngine.Tests.Cuda.Interop;

/// <summary>The ptxas -v parser on logs captured from NVRTC 11.8 (libnvrtc11.2, Debian bookworm).</summary>
public class PtxasLogTests
{
    private const string ThreeKernelsSm80 = """
        ptxas info    : 0 bytes gmem
        ptxas info    : Compiling entry function 'k3' for 'sm_80'
        ptxas info    : Function properties for k3
        ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
        ptxas info    : Used 14 registers, 800 bytes smem, 360 bytes cmem[0]
        ptxas info    : Compiling entry function 'local' for 'sm_80'
        ptxas info    : Function properties for local
        ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
        ptxas info    : Used 29 registers, 368 bytes cmem[0]
        ptxas info    : Compiling entry function 'heavy' for 'sm_80'
        ptxas info    : Function properties for heavy
        ptxas         .     4048 bytes stack frame, 4036 bytes spill stores, 8060 bytes spill loads
        ptxas info    : Used 32 registers, 372 bytes cmem[0]
        """;

    private const string SpillSm90 = """
        ptxas info    : 0 bytes gmem
        ptxas info    : Compiling entry function 'heavy' for 'sm_90'
        ptxas info    : Function properties for heavy
        ptxas         .     4056 bytes stack frame, 4044 bytes spill stores, 8072 bytes spill loads
        ptxas info    : Used 32 registers
        """;

    private const string WithCallee = """
        ptxas info    : 0 bytes gmem
        ptxas info    : Compiling entry function 'caller' for 'sm_80'
        ptxas info    : Function properties for caller
        ptxas         .     128 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
        ptxas info    : Used 40 registers, 368 bytes cmem[0]
        ptxas info    : Function properties for _Z6helperPKfi
        ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
        """;

    [Fact]
    public void ReadsEveryEntryFunctionInOrder()
    {
        var functions = PtxasLog.Parse(ThreeKernelsSm80);

        Assert.Equal(
            [
                new KernelResourceUsage("k3", "sm_80", true, 14, 800, 360, 0, 0, 0),
                new KernelResourceUsage("local", "sm_80", true, 29, 0, 368, 0, 0, 0),
                new KernelResourceUsage("heavy", "sm_80", true, 32, 0, 372, 4048, 4036, 8060),
            ],
            functions);
        Assert.Equal([false, false, true], functions.Select(f => f.Spills));
    }

    [Fact]
    public void ReadsSpillsWhenTheUsedLineHasNoMemoryFields()
    {
        var heavy = Assert.Single(PtxasLog.Parse(SpillSm90));

        Assert.Equal(("heavy", "sm_90", 32, 0, 4056, 4044, 8072),
            (heavy.Function, heavy.Arch, heavy.Registers, heavy.SharedBytes, heavy.StackFrameBytes, heavy.SpillStoreBytes, heavy.SpillLoadBytes));
        Assert.True(heavy.Spills);
    }

    [Fact]
    public void KeepsNonInlinedDeviceFunctionsAsCallees()
    {
        var functions = PtxasLog.Parse(WithCallee);

        Assert.Equal(2, functions.Count);
        Assert.Equal(new KernelResourceUsage("caller", "sm_80", true, 40, 0, 368, 128, 0, 0), functions[0]);
        Assert.Equal(new KernelResourceUsage("_Z6helperPKfi", "sm_80", false, 0, 0, 0, 0, 0, 0), functions[1]);
    }

    [Fact]
    public void ReadsFieldsWhereverNewerPtxasPutsThem()
    {
        // ptxas 12 inserts a barrier count between the registers and the memory fields.
        const string log = """
            ptxas info    : Compiling entry function 'softmax' for 'sm_90'
            ptxas info    : Function properties for softmax
            ptxas         .     8 bytes stack frame, 4 bytes spill stores, 4 bytes spill loads
            ptxas info    : Used 64 registers, used 1 barriers, 4096 bytes smem, 400 bytes cmem[0]
            """;

        Assert.Equal(new KernelResourceUsage("softmax", "sm_90", true, 64, 4096, 400, 8, 4, 4), Assert.Single(PtxasLog.Parse(log)));
    }

    [Fact]
    public void AnEmptyLogHasNoFunctions() => Assert.Empty(PtxasLog.Parse(""));
}
