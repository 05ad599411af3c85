using ClipEngine.Nn;

namespace ClipEngine.Clip;

/// <summary>
/// The ViT's conv1: nn.Conv2d(3, width, kernel_size=patch, stride=patch, bias=False), weight [width, 3, p, p]
/// initialised as PyTorch's Conv2d (kaiming-uniform, a = √5). Returns the patches channels-last, [B, N, width].
/// </summary>
public sealed class PatchConv : Module
{
    public PatchConv(int channels, int width, int patchSize, Generator generator, Device? device = null)
    {
        PatchSize = patchSize;
        RegisterParameter("weight", Init.KaimingUniform([width, channels, patchSize, patchSize], generator, Math.Sqrt(5), device));
    }

    public int PatchSize { get; }

    public Tensor Weight => Parameter("weight");

    /// <summary>images [B, C, H, W] → [B, (H/p)·(W/p), width], patches in row-major grid order.</summary>
    public override Tensor Forward(Tensor input) => Ops.PatchEmbed(input, Weight);
}
