using ClipEngine.Nn;

namespace ClipEngine.Clip;

/// <summary>
/// CLIP (Radford et al., 2021) with OpenAI's ViT image tower and text transformer, its parameters named exactly as
/// OpenAI's state dict (visual.conv1.weight, transformer.resblocks.0.attn.in_proj_weight, token_embedding.weight,
/// text_projection, logit_scale, …). Build it with <see cref="FromConfig"/> or <see cref="FromStateDict"/>.
/// The device is the parameters' device; inputs must be on it. The one host round-trip is reading the token ids
/// to find each text's end-of-text position. Without grad mode the encoders dispose their intermediates
/// themselves; with it they are left to the enclosing <see cref="TensorScope"/>, since backward needs them.
/// </summary>
public sealed partial class ClipModel : Module
{
    internal const string ResNetNotImplemented = "ResNet vision towers are not implemented yet";

    public ClipConfig Config { get; }

    public VisionTransformer Visual { get; }

    /// <summary>The text encoder's blocks (OpenAI keeps the text tower's parts on the model itself).</summary>
    public Transformer Transformer { get; }

    public Embedding TokenEmbedding { get; }

    public LayerNorm LnFinal { get; }

    /// <summary>The text positions' embedding [context_length, width].</summary>
    public Tensor PositionalEmbedding => Parameter("positional_embedding");

    public Tensor TextProjection => Parameter("text_projection");

    /// <summary>The log of the logits' temperature; the logits are exp(logit_scale) times cosine similarities.</summary>
    public Tensor LogitScale => Parameter("logit_scale");

    public Device Device => LogitScale.Device;

    /// <summary>images [B, 3, R, R], preprocessed and normalised → image features [B, embed_dim], not normalised.</summary>
    public Tensor EncodeImage(Tensor images) => EncodeImage(images, observe: null);

    /// <summary>
    /// <see cref="EncodeImage(Tensor)"/>, showing the activations to <paramref name="observe"/> (see
    /// <see cref="VisionTransformer.Forward(Tensor, Action{string, Tensor})"/>). An observer copies what it keeps:
    /// without grad mode the activations are disposed when the encoder returns.
    /// </summary>
    public Tensor EncodeImage(Tensor images, Action<string, Tensor>? observe)
    {
        CheckDevice(images, nameof(images));
        return Scoped(() => Visual.Forward(images, observe));
    }

    /// <summary>
    /// tokens [B, L] (I32 or I64, L ≤ context_length; SOT … EOT then padding) → text features [B, embed_dim], not
    /// normalised: the causal transformer's output after ln_final at each text's end-of-text token, projected.
    /// The tokens may be on the model's device or on the CPU. Finding each text's end-of-text token reads them on
    /// the host, so tokens on the CPU save a wait for the device; they are then copied to it for the embedding.
    /// </summary>
    public Tensor EncodeText(Tensor tokens) => EncodeText(tokens, observe: null);

    /// <summary>
    /// <see cref="EncodeText(Tensor)"/>, showing the activations "text.resblock{i}" and "text.ln_final" ([B, L, width]) to <paramref name="observe"/>.
    /// The text is pooled at the FIRST position holding the EOT id, not at the largest id as OpenAI's argmax does,
    /// so ids added above EOT do not move it; a text without EOT is an error.
    /// </summary>
    public Tensor EncodeText(Tensor tokens, Action<string, Tensor>? observe)
    {
        if (tokens.Device != Device.Cpu) CheckDevice(tokens, nameof(tokens));
        var text = Config.Text;
        if (tokens.Rank != 2 || tokens.DType is not (DType.I32 or DType.I64) || tokens.Size(1) > text.ContextLength || tokens.Size(1) == 0)
            throw new ArgumentException($"the text encoder expects I32 or I64 tokens [B, L] with 0 < L ≤ {text.ContextLength}, got {ShapeUtil.Format(tokens.Shape)} {tokens.DType}", nameof(tokens));
        return Scoped(() =>
        {
            var (batch, length) = (tokens.Size(0), tokens.Size(1));
            var eotRows = EotRows(tokens);
            var positions = length == text.ContextLength ? PositionalEmbedding : Ops.Slice(PositionalEmbedding, 0, 0, length);
            var x = TokenEmbedding.Forward(tokens.Device == Device ? tokens : tokens.To(Device)) + positions;
            x = Transformer.Forward(x, causal: true, observe, "text.");
            x = LnFinal.Forward(x);
            observe?.Invoke("text.ln_final", x);
            var pooled = Ops.IndexSelect(x.Reshape(batch * length, text.Width), 0, eotRows);
            return Ops.MatMul(pooled, TextProjection);
        });
    }

    /// <summary>
    /// (logits per image [B_img, B_txt], logits per text [B_txt, B_img]) = exp(logit_scale) · the cosine
    /// similarities of the features, as OpenAI's CLIP.forward after the encoders.
    /// </summary>
    public (Tensor LogitsPerImage, Tensor LogitsPerText) Logits(Tensor imageFeatures, Tensor textFeatures)
    {
        var similarity = Ops.MatMul(Ops.L2Normalize(imageFeatures), Ops.L2Normalize(textFeatures), transB: true);
        var logitsPerImage = similarity * Ops.Exp(LogitScale);
        return (logitsPerImage, Ops.Transpose(logitsPerImage, 0, 1));
    }

    /// <summary>OpenAI's CLIP.forward: both encoders, then <see cref="Logits"/>.</summary>
    public (Tensor LogitsPerImage, Tensor LogitsPerText) Forward(Tensor images, Tensor tokens) =>
        Logits(EncodeImage(images), EncodeText(tokens));

    /// <summary>
    /// The symmetric contrastive loss of a batch of B matching pairs (image i with text i):
    /// (CE(logits per image, arange B) + CE(logits per text, arange B)) / 2.
    /// </summary>
    public Tensor Loss(Tensor images, Tensor tokens) =>
        Ops.ContrastiveLoss(Logits(EncodeImage(images), EncodeText(tokens)).LogitsPerImage);

    /// <summary>Rows of the [B·L, width] activations at each text's first EOT token, as an I64 tensor on the model's device.</summary>
    private Tensor EotRows(Tensor tokens)
    {
        var (batch, length) = (tokens.Size(0), tokens.Size(1));
        var ids = tokens.DType == DType.I64 ? tokens.ToArray<long>() : Array.ConvertAll(tokens.ToArray<int>(), i => (long)i);
        var eot = Config.Text.EotTokenId;
        var rows = new long[batch];
        for (var b = 0; b < batch; b++)
        {
            var position = Array.IndexOf(ids, eot, b * length, length);
            if (position < 0)
                throw new ArgumentException($"text {b} of the batch has no end-of-text token (id {eot}) among its {length} tokens", nameof(tokens));
            rows[b] = position;
        }
        return Tensor.FromSpan<long>(rows, [batch], DType.I64, Device);
    }

    private void CheckDevice(Tensor input, string name)
    {
        if (input.Device != Device)
            throw new ArgumentException($"{name} are on {input.Device} but the model is on {Device}; move them with To(device)", name);
    }

    /// <summary>Without grad mode nothing refers to the intermediates afterwards, so they go back to the allocator at once.</summary>
    private static Tensor Scoped(Func<Tensor> compute)
    {
        if (Autograd.IsEnabled) return compute();
        using var scope = TensorScope.Begin();
        return scope.Keep(compute());
    }
}
