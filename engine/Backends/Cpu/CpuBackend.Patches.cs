namespace ClipEngine.Backends.Cpu;

// Patches are non-overlapping, so unfolding is a permutation of the image's elements: both directions copy the same
// p-element runs (one kernel row of one channel), one way or the other.
public sealed unsafe partial class CpuBackend
{
    public void Im2Patches(Tensor images, int patch, Tensor patches)
    {
        using var profile = CpuProfiler.Time(nameof(Im2Patches));
        MovePatches(images, patch, patches, toPatches: true);
    }

    public void Patches2Im(Tensor patches, int patch, Tensor images)
    {
        using var profile = CpuProfiler.Time(nameof(Patches2Im));
        MovePatches(images, patch, patches, toPatches: false);
    }

    private static void MovePatches(Tensor images, int patch, Tensor patches, bool toPatches)
    {
        var (batch, channels, height, width) = (images.Dims[0], images.Dims[1], images.Dims[2], images.Dims[3]);
        int gridH = height / patch, gridW = width / patch;
        long perImage = (long)gridH * gridW, rowLength = (long)channels * patch * patch;
        float* pi = Ptr(images), pp = Ptr(patches);
        CpuParallel.For(batch * perImage, rowLength, (start, end) =>
        {
            for (var item = start; item < end; item++)
            {
                var b = item / perImage;
                var gy = item % perImage / gridW;
                var gx = item % gridW;
                var row = pp + item * rowLength;
                for (var c = 0; c < channels; c++)
                {
                    for (var ky = 0; ky < patch; ky++)
                    {
                        var image = new Span<float>(pi + ((b * channels + c) * height + gy * patch + ky) * width + gx * patch, patch);
                        var run = new Span<float>(row + ((long)c * patch + ky) * patch, patch);
                        if (toPatches) image.CopyTo(run);
                        else run.CopyTo(image);
                    }
                }
            }
        });
    }
}
