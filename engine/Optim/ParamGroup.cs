namespace ClipEngine.Optim;

/// <summary>
/// Parameters that share optimizer settings: their own weight decay (null: the optimizer's) and a multiplier on
/// the optimizer's learning rate, so a schedule that sets <see cref="AdamW.Lr"/> moves every group together.
/// </summary>
public sealed record ParamGroup(IReadOnlyList<Tensor> Parameters, double? WeightDecay = null, double LrScale = 1)
{
    /// <summary>
    /// open_clip's split: gains, biases and every other parameter with fewer than 2 dimensions, and those whose
    /// name contains "bn", "ln", "bias" or "logit_scale", get no weight decay; the rest get <paramref name="weightDecay"/>.
    /// Parameters that do not require grad are left out. Returns [no-decay group, decay group].
    /// </summary>
    public static ParamGroup[] SplitWeightDecay(IEnumerable<KeyValuePair<string, Tensor>> namedParameters, double weightDecay)
    {
        var noDecay = new List<Tensor>();
        var decay = new List<Tensor>();
        foreach (var (name, p) in namedParameters)
        {
            if (!p.RequiresGrad) continue;
            var exclude = p.Rank < 2 || name.Contains("bn", StringComparison.Ordinal) || name.Contains("ln", StringComparison.Ordinal)
                || name.Contains("bias", StringComparison.Ordinal) || name.Contains("logit_scale", StringComparison.Ordinal);
            (exclude ? noDecay : decay).Add(p);
        }
        return [new ParamGroup(noDecay, WeightDecay: 0), new ParamGroup(decay, weightDecay)];
    }
}
