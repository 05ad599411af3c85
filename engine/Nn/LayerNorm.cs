namespace ClipEngine.Nn;

/// <summary>Layer normalisation over the last axis (torch.nn.LayerNorm with one normalised dimension): weight ones, bias zeros.</summary>
public sealed class LayerNorm : Module
{
    public LayerNorm(int normalizedShape, float eps = 1e-5f, bool elementwiseAffine = true, Device? device = null)
    {
        NormalizedShape = normalizedShape;
        Eps = eps;
        ElementwiseAffine = elementwiseAffine;
        if (!elementwiseAffine) return;
        RegisterParameter("weight", Tensor.Ones([normalizedShape], DType.F32, device));
        RegisterParameter("bias", Tensor.Zeros([normalizedShape], DType.F32, device));
    }

    public int NormalizedShape { get; }

    public float Eps { get; }

    public bool ElementwiseAffine { get; }

    public Tensor? Weight => ElementwiseAffine ? Parameter("weight") : null;

    public Tensor? Bias => ElementwiseAffine ? Parameter("bias") : null;

    public override Tensor Forward(Tensor input) => Ops.LayerNorm(input, Weight, Bias, Eps);
}
