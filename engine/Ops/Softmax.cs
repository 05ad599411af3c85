namespace ClipEngine;

// Softmax and log-softmax along the last axis, each one fused backend call forward and one backward; the node
// saves the output, from which both gradients follow.
public static partial class Ops
{
    /// <summary>exp(x) / Σ exp(x) along the last axis (F.softmax(x, dim=-1)).</summary>
    public static Tensor Softmax(Tensor x) => LastAxisSoftmax(x, log: false);

    /// <summary>x − log Σ exp(x) along the last axis (F.log_softmax(x, dim=-1)).</summary>
    public static Tensor LogSoftmax(Tensor x) => LastAxisSoftmax(x, log: true);

    private static Tensor LastAxisSoftmax(Tensor x, bool log)
    {
        var name = log ? "LogSoftmax" : "Softmax";
        x = Fp32(x, name);
        CheckHasLastAxis(x, name);
        var y = x.NewEmpty(x.Dims);
        using (var xRows = LastAxisRows(x))
        using (var yRows = LastAxisRows(y))
            x.Backend.Softmax(xRows, yRows, log);
        return Autograd.Needs(x) ? Autograd.Record(y, new SoftmaxNode(x, y, log)) : y;
    }

    /// <summary>t viewed as [rows, last dimension], the layout of the backends' row-wise kernels.</summary>
    private static Tensor LastAxisRows(Tensor t) => t.View([ShapeUtil.Product(t.Dims, 0, t.Rank - 1), t.Dims[^1]]);

    private static void CheckHasLastAxis(Tensor x, string op)
    {
        if (x.Rank == 0) throw new ArgumentException($"{op} works along the last axis and needs a tensor of rank ≥ 1, got a 0-dimensional one");
    }

    private sealed class SoftmaxNode(Tensor x, Tensor y, bool log) : GradNode(x)
    {
        public override string Name => log ? "LogSoftmaxBackward" : "SoftmaxBackward";

        protected internal override Tensor?[] Backward(Tensor g)
        {
            var gx = x.NewEmpty(x.Dims);
            using var gRows = LastAxisRows(g);
            using var yRows = LastAxisRows(y);
            using var gxRows = LastAxisRows(gx);
            x.Backend.SoftmaxBackward(gRows, yRows, gxRows, log);
            return [gx];
        }
    }
}
