namespace ClipEngine;

// Cross-entropy with mean reduction as one op: the forward saves each row's log-sum-exp, from which the backward
// rebuilds the softmax.
public static partial class Ops
{
    /// <summary>
    /// mean_i (log Σ_c exp(logits[i, c]) − logits[i, targets[i]]) for logits [N, C] and I64 class indices [N]
    /// (F.cross_entropy with reduction='mean'; every target must lie in [0, C), there is no ignore_index).
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets)
    {
        logits = Fp32(logits, "CrossEntropy");
        CheckSameDevice(logits, targets, "CrossEntropy");
        if (logits.Rank != 2) throw new ArgumentException($"CrossEntropy expects logits [N, C], got shape {ShapeUtil.Format(logits.Dims)}");
        if (targets.DType != DType.I64 || targets.Rank != 1 || targets.Dims[0] != logits.Dims[0])
            throw new ArgumentException($"CrossEntropy expects I64 targets [{logits.Dims[0]}] for logits {ShapeUtil.Format(logits.Dims)}, got {targets.DType} {ShapeUtil.Format(targets.Dims)}");
        var loss = logits.NewEmpty([]);
        var lse = logits.NewEmpty([logits.Dims[0]]);
        logits.Backend.CrossEntropy(logits, targets, loss, lse);
        if (Autograd.Needs(logits)) return Autograd.Record(loss, new CrossEntropyNode(logits, targets, lse));
        lse.Dispose();
        return loss;
    }

    private sealed class CrossEntropyNode(Tensor logits, Tensor targets, Tensor lse) : GradNode(logits)
    {
        public override string Name => "CrossEntropyBackward";

        protected internal override Tensor?[] Backward(Tensor g)
        {
            var gLogits = logits.NewEmpty(logits.Dims);
            logits.Backend.CrossEntropyBackward(g, logits, targets, lse, gLogits);
            return [gLogits];
        }

        protected override void ReleaseSaved() => lse.Dispose();
    }
}
