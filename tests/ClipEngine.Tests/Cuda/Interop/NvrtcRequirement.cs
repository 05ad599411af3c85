using ClipEngine.Backends.Cuda;

namespace ClipEngine.Tests.Cuda.Interop;

/// <summary>CI installs NVRTC, so tests that need it fail, loudly and with the fix, where it is missing.</summary>
internal static class NvrtcRequirement
{
    public static void Ensure()
    {
        if (!NvrtcCompiler.IsAvailable)
            Assert.Fail("this test needs NVRTC: on Debian bookworm install libnvrtc11.2 from the non-free component "
                        + $"(see .ci/run and .ci/apt/debian-nonfree.sources).\n{NvrtcCompiler.UnavailableReason}");
    }
}
