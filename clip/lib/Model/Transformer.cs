using System.Globalization;
using ClipEngine.Nn;

namespace ClipEngine.Clip;

/// <summary>OpenAI's Transformer: a stack of <see cref="ResidualAttentionBlock"/>s named resblocks.0, resblocks.1, ….</summary>
public sealed class Transformer : Module
{
    public Transformer(int width, int layers, int heads, int mlpWidth, bool quickGelu, Generator generator, Device? device = null)
    {
        Width = width;
        Resblocks = RegisterModule("resblocks", new ModuleList<ResidualAttentionBlock>(
            Enumerable.Range(0, layers).Select(_ => new ResidualAttentionBlock(width, heads, mlpWidth, quickGelu, generator, device))));
    }

    public int Width { get; }

    public ModuleList<ResidualAttentionBlock> Resblocks { get; }

    /// <summary>
    /// Recompute each block's activations during backward instead of keeping them (open_clip's
    /// set_grad_checkpointing): less memory for one more forward pass per block; the gradients are the same.
    /// </summary>
    public bool GradCheckpointing { get; set; }

    public override Tensor Forward(Tensor input) => Forward(input, causal: false);

    /// <summary>x [B, S, width] through every block; <paramref name="observe"/>, when given, sees each block's output as "{prefix}resblock{i}".</summary>
    public Tensor Forward(Tensor x, bool causal, Action<string, Tensor>? observe = null, string prefix = "")
    {
        for (var i = 0; i < Resblocks.Count; i++)
        {
            var block = Resblocks[i];
            x = GradCheckpointing ? Checkpoint.Run(h => block.Forward(h, causal), x, block.Parameters()) : block.Forward(x, causal);
            observe?.Invoke(prefix + "resblock" + i.ToString(CultureInfo.InvariantCulture), x);
        }
        return x;
    }
}
