using ClipEngine.Nn;

namespace ClipEngine.Clip;

/// <summary>
/// OpenAI's ViT image encoder: conv1 patch embedding (no bias), a class token, positional embedding, ln_pre, the
/// transformer, ln_post on the class token and the projection proj [width, embed_dim]. The class embedding,
/// positional embedding and proj are drawn from N(0, width^-1/2) as OpenAI and open_clip do; conv1 and the blocks
/// keep PyTorch's layer initialisations.
/// </summary>
public sealed class VisionTransformer : Module
{
    public VisionTransformer(VisionConfig config, int outputDim, bool quickGelu, Generator generator, Device? device = null)
    {
        if (config.IsResNet) throw new NotSupportedException(ClipModel.ResNetNotImplemented);
        Config = config;
        var width = config.Width;
        var scale = (float)(1 / Math.Sqrt(width));
        RegisterParameter("class_embedding", Init.Normal([width], generator, std: scale, device: device));
        RegisterParameter("positional_embedding", Init.Normal([config.GridSize * config.GridSize + 1, width], generator, std: scale, device: device));
        RegisterParameter("proj", Init.Normal([width, outputDim], generator, std: scale, device: device));
        Conv1 = RegisterModule("conv1", new PatchConv(3, width, config.PatchSize!.Value, generator, device));
        LnPre = RegisterModule("ln_pre", new LayerNorm(width, device: device));
        Transformer = RegisterModule("transformer", new Transformer(width, config.Layers, config.Heads, config.MlpWidth, quickGelu, generator, device));
        LnPost = RegisterModule("ln_post", new LayerNorm(width, device: device));
    }

    public VisionConfig Config { get; }

    public Tensor ClassEmbedding => Parameter("class_embedding");

    public Tensor PositionalEmbedding => Parameter("positional_embedding");

    public Tensor Proj => Parameter("proj");

    public PatchConv Conv1 { get; }

    public LayerNorm LnPre { get; }

    public Transformer Transformer { get; }

    public LayerNorm LnPost { get; }

    public override Tensor Forward(Tensor input) => Forward(input, observe: null);

    /// <summary>
    /// images [B, 3, R, R] (R = image_size, already normalised) → features [B, embed_dim], not normalised.
    /// <paramref name="observe"/>, when given, sees the activations "visual.conv1" (channels-last [B, N, width]),
    /// "visual.ln_pre", "visual.resblock{i}" ([B, N + 1, width]) and "visual.ln_post" ([B, width]).
    /// </summary>
    public Tensor Forward(Tensor images, Action<string, Tensor>? observe)
    {
        var size = Config.ImageSize;
        if (images.Rank != 4 || images.Size(1) != 3 || images.Size(2) != size || images.Size(3) != size)
            throw new ArgumentException($"the image encoder expects images [B, 3, {size}, {size}], got {ShapeUtil.Format(images.Shape)}", nameof(images));
        var batch = images.Size(0);
        var width = Config.Width;
        var patches = Conv1.Forward(images);
        observe?.Invoke("visual.conv1", patches);
        var classTokens = Tensor.Zeros([batch, 1, width], DType.F32, images.Device) + ClassEmbedding;
        var x = LnPre.Forward(Ops.Concat([classTokens, patches], 1) + PositionalEmbedding);
        observe?.Invoke("visual.ln_pre", x);
        x = Transformer.Forward(x, causal: false, observe, "visual.");
        var pooled = LnPost.Forward(Ops.Slice(x, 1, 0, 1).Reshape(batch, width));
        observe?.Invoke("visual.ln_post", pooled);
        return Ops.MatMul(pooled, Proj);
    }
}
