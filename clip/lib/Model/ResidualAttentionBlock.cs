using ClipEngine.Nn;

namespace ClipEngine.Clip;

/// <summary>OpenAI's pre-LN transformer block: x + attn(ln_1(x)), then + mlp(ln_2(x)); batch-first [B, S, width].</summary>
public sealed class ResidualAttentionBlock : Module
{
    public ResidualAttentionBlock(int width, int heads, int mlpWidth, bool quickGelu, Generator generator, Device? device = null)
    {
        Ln1 = RegisterModule("ln_1", new LayerNorm(width, device: device));
        Attn = RegisterModule("attn", new MultiheadAttention(width, heads, generator, device: device));
        Ln2 = RegisterModule("ln_2", new LayerNorm(width, device: device));
        Mlp = RegisterModule("mlp", new Mlp(width, mlpWidth, quickGelu, generator, device));
    }

    public LayerNorm Ln1 { get; }

    public MultiheadAttention Attn { get; }

    public LayerNorm Ln2 { get; }

    public Mlp Mlp { get; }

    public override Tensor Forward(Tensor input) => Forward(input, causal: false);

    /// <summary>With <paramref name="causal"/>, position i attends to positions ≤ i only (the text encoder's mask).</summary>
    public Tensor Forward(Tensor x, bool causal)
    {
        var attended = x + Attn.Forward(Ln1.Forward(x), causal);
        return attended + Mlp.Forward(Ln2.Forward(attended));
    }
}
