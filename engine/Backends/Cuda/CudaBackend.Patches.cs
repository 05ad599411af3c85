namespace ClipEngine.Backends.Cuda;

// A ViT's patch unfold and its adjoint (kernels/patches.cu).
public sealed partial class CudaBackend
{
    public void Im2Patches(Tensor images, int patch, Tensor patches) =>
        MovePatches("im2patches_f32", images, patches, images.Dims, patch);

    public void Patches2Im(Tensor patches, int patch, Tensor images) =>
        MovePatches("patches2im_f32", patches, images, images.Dims, patch);

    /// <summary>Either kernel walks its destination, gathering from its source; both take the image shape [B, C, H, W].</summary>
    private void MovePatches(string kernel, Tensor source, Tensor destination, int[] imageShape, int patch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(patch, 1);
        var count = destination.NumEl;
        if (count == 0) return;
        Launcher.Launch(Modules.Get("patches.cu", kernel), LaunchConfig.GridStride(count, _maxBlocks),
            Ptr(source), Ptr(destination), imageShape[0], imageShape[1], imageShape[2], imageShape[3], patch);
    }
}
