namespace ClipEngine.Nn;

/// <summary>y = x·weightᵀ + bias (torch.nn.Linear): weight [out, in], bias [out], initialised U(±1/√in) as PyTorch does.</summary>
public sealed class Linear : Module
{
    public Linear(int inFeatures, int outFeatures, Generator generator, bool bias = true, Device? device = null)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        RegisterParameter("weight", Init.LinearWeight(outFeatures, inFeatures, generator, device));
        if (bias) RegisterParameter("bias", Init.LinearBias(outFeatures, inFeatures, generator, device));
        HasBias = bias;
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public bool HasBias { get; }

    public Tensor Weight => Parameter("weight");

    public Tensor? Bias => HasBias ? Parameter("bias") : null;

    /// <summary>input [..., in] → [..., out].</summary>
    public override Tensor Forward(Tensor input) => Ops.Linear(input, Weight, Bias);
}
