namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;

/// <summary>The patch unfold and its adjoint on the Cuda backend against the Cpu backend, byte for byte.</summary>
[Collection(CudaTestDevice.Collection)]
public class CudaPatchesTests
{
    public static TheoryData<int, int, int, int, int> Images => new()
    {
        // batch, channels, height, width, patch
        { 1, 1, 1, 1, 1 },
        { 1, 3, 2, 2, 1 },
        { 2, 3, 8, 12, 4 },
        { 1, 3, 9, 6, 3 },
        { 3, 1, 5, 5, 5 },
        { 2, 2, 14, 7, 7 },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void Im2PatchesAndPatches2ImMatchCpu(int batch, int channels, int height, int width, int patch)
    {
        int[] images = [batch, channels, height, width];
        int[] patches = [batch, height / patch * (width / patch), channels * patch * patch];
        var pixels = Normal((int)ShapeUtil.NumEl(images), height * width);
        using var unfold = BothBackends.Run((backend, t) => backend.Im2Patches(t[0], patch, t[1]), Tensor.FromArray(pixels, images), Tensor.Empty(patches));
        unfold.AssertBitwise(1, $"Im2Patches {ShapeUtil.Format(images)} by {patch}");

        // The adjoint of a permutation is its inverse: folding the patches back gives the images again.
        using var fold = BothBackends.Run((backend, t) => backend.Patches2Im(t[0], patch, t[1]), unfold.Cpu[1].Clone(), Tensor.Full(images, 7));
        fold.AssertBitwise(1, $"Patches2Im {ShapeUtil.Format(images)} by {patch}");
        Assert.Equal(pixels, fold.Cuda[1].ToArray<float>());
    }
}
