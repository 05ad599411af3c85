using ClipEngine.Nn;

namespace ClipEngine.Clip;

/// <summary>A transformer block's MLP as OpenAI names it: c_fc → QuickGELU (or exact GELU) → c_proj.</summary>
public sealed class Mlp : Module
{
    public Mlp(int width, int hiddenWidth, bool quickGelu, Generator generator, Device? device = null)
    {
        QuickGelu = quickGelu;
        CFc = RegisterModule("c_fc", new Linear(width, hiddenWidth, generator, device: device));
        CProj = RegisterModule("c_proj", new Linear(hiddenWidth, width, generator, device: device));
    }

    public bool QuickGelu { get; }

    public Linear CFc { get; }

    public Linear CProj { get; }

    public override Tensor Forward(Tensor input)
    {
        var hidden = CFc.Forward(input);
        return CProj.Forward(QuickGelu ? Ops.QuickGelu(hidden) : Ops.Gelu(hidden));
    }
}
