namespace ClipEngine;

// CLIP's symmetric contrastive loss as one op: the forward saves the row and column log-sum-exps, and the backward
// is the two softmaxes minus the identity, so neither the transpose nor the two cross-entropies are materialised.
public static partial class Ops
{
    /// <summary>
    /// (CE(logits, arange(N)) + CE(logitsᵀ, arange(N))) / 2 for the similarity logits [N, N] of N matching pairs
    /// (image i with text i): each image must pick its text among the batch's texts, and each text its image.
    /// </summary>
    public static Tensor ContrastiveLoss(Tensor logits)
    {
        logits = Fp32(logits, "ContrastiveLoss");
        if (logits.Rank != 2 || logits.Dims[0] != logits.Dims[1])
            throw new ArgumentException($"ContrastiveLoss expects square logits [N, N], got shape {ShapeUtil.Format(logits.Dims)}");
        var n = logits.Dims[0];
        var loss = logits.NewEmpty([]);
        var rowLse = logits.NewEmpty([n]);
        var columnLse = logits.NewEmpty([n]);
        logits.Backend.ContrastiveLoss(logits, loss, rowLse, columnLse);
        if (Autograd.Needs(logits)) return Autograd.Record(loss, new ContrastiveLossNode(logits, rowLse, columnLse));
        rowLse.Dispose();
        columnLse.Dispose();
        return loss;
    }

    private sealed class ContrastiveLossNode(Tensor logits, Tensor rowLse, Tensor columnLse) : GradNode(logits)
    {
        public override string Name => "ContrastiveLossBackward";

        protected internal override Tensor?[] Backward(Tensor g)
        {
            var gLogits = logits.NewEmpty(logits.Dims);
            logits.Backend.ContrastiveLossBackward(g, logits, rowLse, columnLse, gLogits);
            return [gLogits];
        }

        protected override void ReleaseSaved()
        {
            rowLse.Dispose();
            columnLse.Dispose();
        }
    }
}
