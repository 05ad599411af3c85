namespace ClipEngine.Optim;

/// <summary>
/// A learning rate per optimizer step (0-based), as open_clip's schedulers compute it (src/open_clip_train/scheduler.py).
/// Call <see cref="Apply"/> before each <see cref="AdamW.Step"/>, with the number of steps taken so far.
/// </summary>
public sealed class LrSchedule
{
    private readonly Func<long, double> _lrAt;

    private LrSchedule(Func<long, double> lrAt) => _lrAt = lrAt;

    /// <summary>open_clip's const_lr: warmup, then <paramref name="baseLr"/> for ever.</summary>
    public static LrSchedule Constant(double baseLr, long warmupSteps = 0)
    {
        CheckArguments(baseLr, warmupSteps);
        return new LrSchedule(step => step < warmupSteps ? Warmup(baseLr, warmupSteps, step) : baseLr);
    }

    /// <summary>
    /// open_clip's cosine_lr with a floor: during warmup lr = baseLr·(step+1)/warmupSteps; then, with
    /// e = step − warmupSteps and es = totalSteps − warmupSteps, lr = minLr + ½(1 + cos(π·e/es))·(baseLr − minLr).
    /// With minLr = 0 (the default) this is open_clip's formula exactly. Past <paramref name="totalSteps"/> the
    /// rate stays at minLr, where open_clip's cosine would climb again.
    /// </summary>
    public static LrSchedule Cosine(double baseLr, long warmupSteps, long totalSteps, double minLr = 0)
    {
        CheckArguments(baseLr, warmupSteps);
        if (totalSteps <= warmupSteps)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, $"must exceed the {warmupSteps} warmup steps");
        return new LrSchedule(step =>
        {
            if (step < warmupSteps) return Warmup(baseLr, warmupSteps, step);
            var progress = Math.Min(1.0, (double)(step - warmupSteps) / (totalSteps - warmupSteps));
            return minLr + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (baseLr - minLr);
        });
    }

    /// <summary>The learning rate for optimizer step <paramref name="step"/> (0 = the first).</summary>
    public double LrAt(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return _lrAt(step);
    }

    /// <summary>Sets the optimizer's learning rate for step <paramref name="step"/> and returns it (open_clip's assign_learning_rate).</summary>
    public double Apply(AdamW optimizer, long step) => optimizer.Lr = LrAt(step);

    /// <summary>open_clip's _warmup_lr: linear from baseLr/warmup at step 0 up to baseLr at step warmup − 1.</summary>
    private static double Warmup(double baseLr, long warmupSteps, long step) => baseLr * (step + 1) / warmupSteps;

    private static void CheckArguments(double baseLr, long warmupSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(baseLr);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
    }
}
