namespace ClipEngine;

// F.normalize(x, dim=-1) as one fused kernel each way; the forward saves the row norms for the backward.
public static partial class Ops
{
    /// <summary>x divided along its last axis by max(‖x‖₂, eps) (F.normalize(x, p=2, dim=-1, eps=eps)).</summary>
    public static Tensor L2Normalize(Tensor x, float eps = 1e-12f)
    {
        x = Fp32(x, "L2Normalize");
        if (x.Rank == 0) throw new ArgumentException("L2Normalize needs a tensor of rank ≥ 1, got a scalar");
        var (rows, d) = (ShapeUtil.Product(x.Dims, 0, x.Rank - 1), x.Dims[^1]);
        var y = x.NewEmpty(x.Dims);
        var norms = x.NewEmpty([rows]);
        using (var x2 = x.View([rows, d]))
        using (var y2 = y.View([rows, d]))
            x.Backend.L2Normalize(x2, eps, y2, norms);
        if (Autograd.Needs(x)) return Autograd.Record(y, new L2NormalizeNode(x, y, norms, eps));
        norms.Dispose();
        return y;
    }

    private sealed class L2NormalizeNode(Tensor x, Tensor y, Tensor norms, float eps) : GradNode(x)
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            int[] matrix = [(int)norms.NumEl, x.Dims[^1]];
            var gx = x.NewEmpty(x.Dims);
            using var g2 = g.View(matrix);
            using var y2 = y.View(matrix);
            using var gx2 = gx.View(matrix);
            x.Backend.L2NormalizeBackward(g2, y2, norms, eps, gx2);
            return [gx];
        }

        protected override void ReleaseSaved() => norms.Dispose();
    }
}
