namespace ClipEngine;

// Layer norm over the last axis: one fused forward that saves each row's mean and 1/std, one fused backward that
// produces the gradients of x, weight and bias together.
public static partial class Ops
{
    /// <summary>
    /// (x − mean) / √(var + eps) · weight + bias over the last axis, with the biased variance
    /// (F.layer_norm(x, normalized_shape=[x.shape[-1]], weight, bias, eps)); weight and bias are [d] or null.
    /// </summary>
    public static Tensor LayerNorm(Tensor x, Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f)
    {
        x = Fp32(x, "LayerNorm");
        CheckHasLastAxis(x, "LayerNorm");
        CheckAffine(x, weight, "weight");
        CheckAffine(x, bias, "bias");
        var rows = ShapeUtil.Product(x.Dims, 0, x.Rank - 1);
        var y = x.NewEmpty(x.Dims);
        var mean = x.NewEmpty([rows]);
        var rstd = x.NewEmpty([rows]);
        using (var xRows = LastAxisRows(x))
        using (var yRows = LastAxisRows(y))
            x.Backend.LayerNorm(xRows, weight, bias, eps, yRows, mean, rstd);
        if (Autograd.Needs(x, weight, bias)) return Autograd.Record(y, new LayerNormNode(x, weight, bias, mean, rstd));
        mean.Dispose();
        rstd.Dispose();
        return y;
    }

    private static void CheckAffine(Tensor x, Tensor? parameter, string name)
    {
        if (parameter is null) return;
        CheckFloat(parameter, "LayerNorm");
        CheckSameDevice(x, parameter, "LayerNorm");
        if (parameter.Rank != 1 || parameter.Dims[0] != x.Dims[^1])
            throw new ArgumentException($"LayerNorm over the last axis of x {ShapeUtil.Format(x.Dims)} needs a {name} of shape [{x.Dims[^1]}], got {ShapeUtil.Format(parameter.Dims)}");
    }

    private sealed class LayerNormNode(Tensor x, Tensor? weight, Tensor? bias, Tensor mean, Tensor rstd) : GradNode(x, weight, bias)
    {
        public override string Name => "LayerNormBackward";

        protected internal override Tensor?[] Backward(Tensor g)
        {
            var gx = x.NewEmpty(x.Dims);
            var gWeight = NeedsGrad(1) ? weight!.NewEmpty(weight.Dims) : null;
            var gBias = NeedsGrad(2) ? bias!.NewEmpty(bias.Dims) : null;
            using var gRows = LastAxisRows(g);
            using var xRows = LastAxisRows(x);
            using var gxRows = LastAxisRows(gx);
            x.Backend.LayerNormBackward(gRows, xRows, weight, mean, rstd, gxRows, gWeight, gBias);
            return [gx, gWeight, gBias];
        }

        protected override void ReleaseSaved()
        {
            mean.Dispose();
            rstd.Dispose();
        }
    }
}
