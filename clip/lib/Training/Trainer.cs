using ClipEngine.Backends;
using ClipEngine.Optim;

namespace ClipEngine.Clip.Training;

/// <summary>
/// Trains a <see cref="ClipModel"/> the way open_clip does: AdamW with its weight-decay groups, linear warmup then
/// cosine (or constant) learning rate, optional gradient-norm clipping, logit_scale clamped to [0, ln 100] after
/// each step, gradient accumulation that keeps the contrastive loss over the whole effective batch, and optional
/// activation checkpointing. Parameters and optimizer state are F32 throughout; with precision bf16 the forward and
/// backward run under <see cref="Autocast"/>, so on a backend that supports BF16 the GEMMs take BF16 operands and
/// the activations they feed (projections, attention, the MLP) are stored in BF16, while layer norms, the residual
/// stream and the loss stay F32. A step whose loss or gradients are NaN or infinite changes nothing and is counted; <see cref="Run"/> aborts after
/// <see cref="TrainOptions.MaxBadSteps"/> of them in a row. The model stays the caller's; the trainer switches its
/// activation checkpointing on or off as the options say.
/// </summary>
public sealed partial class Trainer : IDisposable
{
    /// <summary>logit_scale's upper clamp: the logits' temperature stays at most 100.</summary>
    public static readonly float MaxLogitScale = (float)Math.Log(100);

    private readonly AdamW _optimizer;
    private readonly Tensor[] _parameters;
    private readonly DType _compute;

    /// <param name="totalSteps">The run's length in optimizer steps; defaults to <see cref="TrainOptions.Steps"/>.</param>
    public Trainer(ClipModel model, TrainOptions options, long? totalSteps = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Model = model;
        Options = options;
        TotalSteps = totalSteps ?? options.TotalSteps(samplesPerEpoch: null);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(TotalSteps, nameof(totalSteps));
        if (options.LrScheduler == "cosine" && options.Warmup >= TotalSteps)
            throw new ArgumentException($"warmup: the {options.Warmup} warmup steps must be fewer than the run's {TotalSteps} steps (lower warmup)");
        Schedule = options.LrScheduler == "cosine"
            ? LrSchedule.Cosine(options.Lr, options.Warmup, TotalSteps)
            : LrSchedule.Constant(options.Lr, options.Warmup);
        var named = model.NamedParameters().Where(p => p.Value.RequiresGrad).ToList();
        ParamGroup[] groups = options.WdAllParameters
            ? [new ParamGroup([.. named.Select(p => p.Value)], options.Wd)]
            : ParamGroup.SplitWeightDecay(named, options.Wd);
        _optimizer = new AdamW(groups, options.Lr, options.Beta1, options.Beta2, options.Eps, options.Wd);
        _parameters = [.. groups.SelectMany(g => g.Parameters)];
        model.Visual.Transformer.GradCheckpointing = options.GradCheckpointing;
        model.Transformer.GradCheckpointing = options.GradCheckpointing;
        var bf16 = options.IsBf16 && BackendRegistry.For(model.Device).SupportsBf16;
        _compute = bf16 ? DType.BF16 : DType.F32;
        Precision = bf16 ? "bf16 activations and GEMMs (fp32 accumulation), fp32 master weights"
            : options.IsBf16 ? $"fp32 (bf16 requested; the {model.Device.Type} backend computes in fp32)"
            : "fp32";
    }

    public ClipModel Model { get; }

    public TrainOptions Options { get; }

    /// <summary>The run's length in optimizer steps.</summary>
    public long TotalSteps { get; }

    /// <summary>Optimizer steps taken so far, skipped ones included (the schedule moves on past them, as under AMP).</summary>
    public long Step { get; private set; }

    /// <summary>Skipped steps since the last good one.</summary>
    public int ConsecutiveBadSteps { get; private set; }

    public LrSchedule Schedule { get; }

    /// <summary>The optimizer's groups: [no decay, decay] under open_clip's split, one group with <see cref="TrainOptions.WdAllParameters"/>.</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => _optimizer.ParamGroups;

    /// <summary>The precision the trainer computes in, with the reason when it differs from the one requested.</summary>
    public string Precision { get; }

    /// <summary>
    /// One optimizer step on the micro-batches taken together (one per <see cref="TrainOptions.AccumFreq"/>; the
    /// batches stay the caller's): the loss and gradients as <see cref="ComputeGradients"/>, then — unless the loss
    /// or the gradient norm is not finite — clipping, the AdamW update at this step's learning rate and the
    /// logit_scale clamp. The gradients are released afterwards.
    /// </summary>
    public StepResult TrainStep(IReadOnlyList<TrainBatch> microBatches)
    {
        var lr = Schedule.Apply(_optimizer, Step);
        try
        {
            var loss = ComputeGradients(microBatches);
            var clip = Options.GradClipNorm is { } maxNorm
                ? GradClip.ClipGradNorm(_parameters, (float)maxNorm)
                : new GradClipResult(GradClip.GlobalNorm(_parameters), 1f);
            var skipped = !float.IsFinite(loss) || !float.IsFinite(clip.TotalNorm);
            if (skipped)
            {
                ConsecutiveBadSteps++;
            }
            else
            {
                _optimizer.Step(clip.Scale);
                ClampLogitScale();
                ConsecutiveBadSteps = 0;
            }
            Step++;
            return new StepResult(Step, loss, lr, Model.LogitScale.Item(), clip.TotalNorm, skipped);
        }
        finally
        {
            _optimizer.ZeroGrad();
        }
    }

    /// <summary>
    /// The contrastive loss of all the micro-batches as one batch, with its gradients accumulated into the
    /// parameters' Grad (cleared first). One micro-batch is a plain forward and backward. Several follow
    /// open_clip's accum_freq: every micro-batch's features are computed once without gradients, then each
    /// micro-batch in turn is encoded again with gradients, put in place of its cached features, and the loss
    /// over the whole set back-propagated — so the summed gradients are those of one big batch, while only one
    /// micro-batch's activations are held at a time. All of it runs under <see cref="Autocast"/> at the trainer's
    /// precision.
    /// </summary>
    public float ComputeGradients(IReadOnlyList<TrainBatch> microBatches)
    {
        ArgumentNullException.ThrowIfNull(microBatches);
        if (microBatches.Count == 0) throw new ArgumentException("a step needs at least one micro-batch", nameof(microBatches));
        _optimizer.ZeroGrad();
        using var scope = TensorScope.Begin();
        using var autocast = Autocast.Enable(_compute);
        // Tokens stay on the host, where the text encoder reads them without waiting for the device.
        var inputs = microBatches.Select(b => (Images: b.Images.To(Model.Device), b.Tokens)).ToArray();
        if (inputs.Length == 1)
        {
            var loss = Model.Loss(inputs[0].Images, inputs[0].Tokens);
            loss.Backward();
            return loss.Item();
        }
        return AccumulatedBackward(inputs);
    }

    public void Dispose() => _optimizer.Dispose();

    private float AccumulatedBackward((Tensor Images, Tensor Tokens)[] batches)
    {
        var imageFeatures = new Tensor[batches.Length];
        var textFeatures = new Tensor[batches.Length];
        using (Autograd.NoGrad())
        {
            for (var j = 0; j < batches.Length; j++)
            {
                imageFeatures[j] = Model.EncodeImage(batches[j].Images);
                textFeatures[j] = Model.EncodeText(batches[j].Tokens);
            }
        }
        var logitScale = Model.LogitScale;
        var trainsLogitScale = logitScale.RequiresGrad;
        var loss = float.NaN;
        try
        {
            for (var j = 0; j < batches.Length; j++)
            {
                using var pass = TensorScope.Begin();
                // logit_scale enters every pass's loss directly rather than through micro-batch j's features, so
                // only one pass may differentiate it; open_clip lets it collect accum_freq copies of its gradient.
                logitScale.RequiresGrad = trainsLogitScale && j == 0;
                var images = WithReplaced(imageFeatures, j, Model.EncodeImage(batches[j].Images));
                var texts = WithReplaced(textFeatures, j, Model.EncodeText(batches[j].Tokens));
                var passLoss = Ops.ContrastiveLoss(Model.Logits(Ops.Concat(images, 0), Ops.Concat(texts, 0)).LogitsPerImage);
                passLoss.Backward();
                if (j == 0) loss = passLoss.Item();
            }
        }
        finally
        {
            logitScale.RequiresGrad = trainsLogitScale;
        }
        return loss;
    }

    private static Tensor[] WithReplaced(Tensor[] cached, int index, Tensor fresh)
    {
        var result = (Tensor[])cached.Clone();
        result[index] = fresh;
        return result;
    }

    /// <summary>open_clip's logit_scale.clamp_(0, ln 100), done on the device.</summary>
    private void ClampLogitScale()
    {
        using var scope = TensorScope.Begin();
        using var _ = Autograd.NoGrad();
        var clamped = Ops.Clamp(Model.LogitScale, 0f, MaxLogitScale);
        Model.LoadStateDict(new Dictionary<string, Tensor> { ["logit_scale"] = clamped }, strict: false);
    }
}
