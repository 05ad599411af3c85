namespace ClipEngine.Nn;

/// <summary>
/// Self-attention with PyTorch's nn.MultiheadAttention parameters: in_proj_weight [3d, d] and in_proj_bias [3d]
/// hold the q, k and v projections stacked in that order, out_proj is a Linear [d, d]. Inputs are batch-first
/// [B, S, d] (batch_first=True). Initialised as PyTorch does: xavier-uniform in_proj_weight, zero biases,
/// out_proj.weight as a Linear's.
/// </summary>
public sealed class MultiheadAttention : Module
{
    public MultiheadAttention(int embedDim, int numHeads, Generator generator, bool bias = true, Device? device = null)
    {
        if (numHeads <= 0 || embedDim % numHeads != 0)
            throw new ArgumentException($"embed_dim {embedDim} must be divisible by num_heads {numHeads}", nameof(numHeads));
        EmbedDim = embedDim;
        NumHeads = numHeads;
        HasBias = bias;
        // PyTorch builds out_proj before _reset_parameters draws in_proj_weight; the draws follow that order.
        var outProj = new Linear(embedDim, embedDim, generator, bias, device);
        RegisterParameter("in_proj_weight", Init.XavierUniform([3 * embedDim, embedDim], generator, device: device));
        if (bias)
        {
            RegisterParameter("in_proj_bias", Tensor.Zeros([3 * embedDim], DType.F32, device));
            outProj.Bias!.Backend.Fill(outProj.Bias, 0);
        }
        OutProj = RegisterModule("out_proj", outProj);
    }

    public int EmbedDim { get; }

    public int NumHeads { get; }

    public int HeadDim => EmbedDim / NumHeads;

    public bool HasBias { get; }

    public Tensor InProjWeight => Parameter("in_proj_weight");

    public Tensor? InProjBias => HasBias ? Parameter("in_proj_bias") : null;

    public Linear OutProj { get; }

    public override Tensor Forward(Tensor input) => Forward(input, causal: false);

    /// <summary>
    /// x [B, S, d] attends to itself; with <paramref name="causal"/>, position i sees positions ≤ i only (the mask
    /// CLIP's text encoder uses). One GEMM makes q, k and v together: its [B, S, 3d] output, viewed as
    /// [B, S, 3, H, Dh] and permuted once to [3, B, H, S, Dh], splits into three contiguous [B, H, S, Dh] blocks.
    /// </summary>
    public Tensor Forward(Tensor x, bool causal)
    {
        if (x.Rank != 3 || x.Dims[2] != EmbedDim)
            throw new ArgumentException($"MultiheadAttention expects input [B, S, {EmbedDim}], got {ShapeUtil.Format(x.Dims)}", nameof(x));
        int batch = x.Dims[0], length = x.Dims[1];
        var qkv = Ops.Linear(x, InProjWeight, InProjBias).Reshape(batch, length, 3, NumHeads, HeadDim);
        var heads = Ops.Permute(qkv, 2, 0, 3, 1, 4);
        var q = Ops.Slice(heads, 0, 0, 1).Reshape(batch, NumHeads, length, HeadDim);
        var k = Ops.Slice(heads, 0, 1, 1).Reshape(batch, NumHeads, length, HeadDim);
        var v = Ops.Slice(heads, 0, 2, 1).Reshape(batch, NumHeads, length, HeadDim);
        var attended = Ops.ScaledDotProductAttention(q, k, v, causal);
        var merged = Ops.Permute(attended, 0, 2, 1, 3).Reshape(batch, length, EmbedDim);
        return OutProj.Forward(merged);
    }
}
