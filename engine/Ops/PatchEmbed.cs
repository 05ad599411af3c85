namespace ClipEngine;

// A ViT's patch embedding: a convolution whose stride equals its kernel touches each pixel once, so it is an unfold
// into one row per patch (a pure permutation of the pixels) followed by a Linear with the kernel as its weight.
public static partial class Ops
{
    /// <summary>
    /// images [B, C, H, W] convolved with weight [D, C, p, p] at stride p, without bias, returned channels-last as
    /// [B, N, D] with the N = (H/p)·(W/p) patches in row-major grid order: exactly
    /// F.conv2d(images, weight, stride=p).flatten(2).transpose(1, 2). H and W must be multiples of p.
    /// </summary>
    public static Tensor PatchEmbed(Tensor images, Tensor weight)
    {
        images = Fp32(images, "PatchEmbed");
        CheckFloat(weight, "PatchEmbed");
        CheckSameDevice(images, weight, "PatchEmbed");
        if (images.Rank != 4 || weight.Rank != 4 || weight.Dims[1] != images.Dims[1] || weight.Dims[2] != weight.Dims[3] || weight.Dims[2] == 0)
            throw new ArgumentException($"PatchEmbed needs images [B, C, H, W] and a square kernel [D, C, p, p], got {ShapeUtil.Format(images.Dims)} and {ShapeUtil.Format(weight.Dims)}");
        var patch = weight.Dims[2];
        if (images.Dims[2] % patch != 0 || images.Dims[3] % patch != 0)
            throw new ArgumentException($"PatchEmbed: images {ShapeUtil.Format(images.Dims)} have a height and width that are not multiples of the patch size {patch}");
        var patches = Patchify(images, patch);
        var kernel = Reshape(weight, weight.Dims[0], ShapeUtil.Product(weight.Dims, 1, 4));
        var y = Linear(patches, kernel);
        if (!y.RequiresGrad)
        {
            // Without a graph nothing else refers to the intermediates.
            patches.Dispose();
            kernel.Dispose();
        }
        return y;
    }

    /// <summary>images [B, C, H, W] unfolded into [B, (H/p)·(W/p), C·p·p], each row one patch in (c, ky, kx) order.</summary>
    private static Tensor Patchify(Tensor images, int patch)
    {
        var (b, c, h, w) = (images.Dims[0], images.Dims[1], images.Dims[2], images.Dims[3]);
        var patches = images.NewEmpty([b, h / patch * (w / patch), c * patch * patch]);
        images.Backend.Im2Patches(images, patch, patches);
        return Autograd.Needs(images) ? Autograd.Record(patches, new PatchifyNode(images, patch)) : patches;
    }

    private sealed class PatchifyNode(Tensor images, int patch) : GradNode(images)
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var gImages = images.NewEmpty(images.Dims);
            images.Backend.Patches2Im(g, patch, gImages);
            return [gImages];
        }
    }
}
