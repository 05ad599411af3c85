namespace ClipEngine.Nn;

/// <summary>torch.nn.GELU: the exact erf form, or with approximate "tanh" PyTorch's tanh form.</summary>
public sealed class Gelu(string approximate = "none") : Module
{
    public override Tensor Forward(Tensor input) => Ops.Gelu(input, approximate);
}
