using System.Globalization;
using System.Text.Json.Serialization;

namespace ClipEngine.Clip.Training;

/// <summary>
/// Everything a training run is configured by, named as open_clip's flags are (JSON in snake_case: <c>batch_size</c>,
/// <c>lr</c>, <c>wd</c>, <c>accum_freq</c>, …) with open_clip's defaults where it has one. Saved with every
/// checkpoint so that a resumed run is configured exactly as the run it continues.
/// </summary>
public sealed partial record TrainOptions
{
    /// <summary>Model config: a preset name ("ViT-B-32") or the path of an open_clip config JSON file. Exclusive with <see cref="ModelConfig"/>.</summary>
    public string? Model { get; init; }

    /// <summary>Model config given inline (open_clip's JSON shape). Exclusive with <see cref="Model"/>.</summary>
    [JsonConverter(typeof(ClipConfigJsonConverter))]
    public ClipConfig? ModelConfig { get; init; }

    /// <summary>Pairs per micro-batch (per forward pass); an optimizer step sees BatchSize · AccumFreq pairs.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Optimizer steps to train for. Exactly one of Steps and <see cref="Epochs"/> is set.</summary>
    public long? Steps { get; init; }

    /// <summary>Passes over the data; needs a source that knows its epoch size.</summary>
    public int? Epochs { get; init; }

    /// <summary>Peak learning rate.</summary>
    public double Lr { get; init; } = 5e-4;

    /// <summary>Steps of linear warmup (open_clip's default 10000).</summary>
    public long Warmup { get; init; } = 10000;

    /// <summary>"cosine" (warmup, then cosine decay to 0 at the last step) or "const" (warmup, then constant).</summary>
    public string LrScheduler { get; init; } = "cosine";

    /// <summary>Decoupled weight decay of the weight matrices; gains, biases, 1-D parameters and logit_scale get none.</summary>
    public double Wd { get; init; } = 0.2;

    /// <summary>Apply <see cref="Wd"/> to every parameter instead of open_clip's split, as reference runs such as the goldens do.</summary>
    public bool WdAllParameters { get; init; }

    public double Beta1 { get; init; } = 0.9;

    public double Beta2 { get; init; } = 0.98;

    public double Eps { get; init; } = 1e-6;

    /// <summary>Clip the gradients' global L2 norm to this; null: no clipping.</summary>
    public double? GradClipNorm { get; init; }

    /// <summary>Micro-batches per optimizer step; the contrastive loss is taken over all of them together.</summary>
    public int AccumFreq { get; init; } = 1;

    /// <summary>Recompute each residual block's activations in backward instead of keeping them.</summary>
    public bool GradCheckpointing { get; init; }

    /// <summary>"fp32", or "bf16" (alias "amp_bf16"): bf16 compute where the device has it; weights and optimizer state stay fp32.</summary>
    public string Precision { get; init; } = "fp32";

    /// <summary>"cpu", "cuda" or "cuda:N".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>The run directory: options, metrics.jsonl and checkpoints/ go here.</summary>
    public string OutputDir { get; init; } = "runs/train";

    /// <summary>Seeds the model's initialisation (the data source has its own).</summary>
    public ulong Seed { get; init; }

    /// <summary>Write a checkpoint every this many steps (one is always written at the end); null: only at the end.</summary>
    public long? SaveEverySteps { get; init; }

    /// <summary>Run zero-shot evaluation every this many steps (and at the end), when an evaluator is given; null: only at the end.</summary>
    public long? ZeroshotEverySteps { get; init; }

    /// <summary>Abort after this many steps in a row whose loss or gradients were NaN or infinite.</summary>
    public int MaxBadSteps { get; init; } = 5;

    /// <summary>Write a metrics line every this many steps.</summary>
    public int LogEverySteps { get; init; } = 1;

    /// <summary>The tokenizer file the data was tokenized with; it is copied into every checkpoint.</summary>
    public string? Tokenizer { get; init; }

    internal bool IsBf16 => Precision is "bf16" or "amp_bf16";

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid field by its JSON name, or returns these options.</summary>
    public TrainOptions Validate()
    {
        var problems = Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException("invalid training options:\n  " + string.Join("\n  ", problems));
        return this;
    }

    /// <summary>The model config: <see cref="ModelConfig"/>, else the preset or config file <see cref="Model"/> names.</summary>
    public ClipConfig ResolveModelConfig()
    {
        if (ModelConfig is not null) return ModelConfig.Validate();
        if (string.IsNullOrWhiteSpace(Model)) throw new ArgumentException("model: give a preset name or a config file, or model_config inline");
        if (File.Exists(Model)) return ClipConfig.Load(Model);
        try
        {
            return ClipConfig.FromPreset(Model);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"model: '{Model}' is not a config file, and {e.Message}", e);
        }
    }

    /// <summary>
    /// Optimizer steps of the whole run: <see cref="Steps"/>, or for <see cref="Epochs"/> the full steps per epoch
    /// (the last partial step dropped, as open_clip drops the last partial batch) times the epochs.
    /// </summary>
    public long TotalSteps(long? samplesPerEpoch)
    {
        if (Steps is { } steps) return steps;
        var epochs = Epochs ?? throw new ArgumentException("steps: set steps or epochs");
        if (samplesPerEpoch is not { } samples)
            throw new ArgumentException("epochs: the data source does not know its epoch size; set steps instead");
        var perEpoch = samples / ((long)BatchSize * AccumFreq);
        if (perEpoch == 0)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"epochs: an epoch of {samples} samples is less than one step of batch_size {BatchSize} × accum_freq {AccumFreq}"));
        return perEpoch * epochs;
    }

    private IEnumerable<string> Problems()
    {
        var inv = CultureInfo.InvariantCulture;
        if (Model is not null && ModelConfig is not null) yield return "model: give either model or model_config, not both";
        if (string.IsNullOrWhiteSpace(Model) && ModelConfig is null) yield return "model: required (a preset name or a config file), or model_config inline";
        if (BatchSize <= 0) yield return string.Create(inv, $"batch_size: must be positive, got {BatchSize}");
        if (Steps is null == Epochs is null) yield return "steps: set exactly one of steps and epochs";
        if (Steps is <= 0) yield return string.Create(inv, $"steps: must be positive, got {Steps}");
        if (Epochs is <= 0) yield return string.Create(inv, $"epochs: must be positive, got {Epochs}");
        if (!(Lr > 0) || !double.IsFinite(Lr)) yield return string.Create(inv, $"lr: must be a positive number, got {Lr}");
        if (Warmup < 0) yield return string.Create(inv, $"warmup: must not be negative, got {Warmup}");
        if (LrScheduler is not ("cosine" or "const")) yield return $"lr_scheduler: expected \"cosine\" or \"const\", got \"{LrScheduler}\"";
        if (LrScheduler == "cosine" && Steps is { } steps && Warmup >= steps)
            yield return string.Create(inv, $"warmup: the {Warmup} warmup steps must be fewer than the {steps} steps (lower warmup)");
        if (!(Wd >= 0) || !double.IsFinite(Wd)) yield return string.Create(inv, $"wd: must be a non-negative number, got {Wd}");
        if (!(Beta1 is >= 0 and < 1)) yield return string.Create(inv, $"beta1: must be in [0, 1), got {Beta1}");
        if (!(Beta2 is >= 0 and < 1)) yield return string.Create(inv, $"beta2: must be in [0, 1), got {Beta2}");
        if (!(Eps > 0) || !double.IsFinite(Eps)) yield return string.Create(inv, $"eps: must be positive, got {Eps}");
        if (GradClipNorm is { } clip && (!(clip > 0) || !double.IsFinite(clip))) yield return string.Create(inv, $"grad_clip_norm: must be positive, got {clip}");
        if (AccumFreq <= 0) yield return string.Create(inv, $"accum_freq: must be positive, got {AccumFreq}");
        if (Precision is not ("fp32" or "bf16" or "amp_bf16")) yield return $"precision: expected \"fp32\" or \"bf16\", got \"{Precision}\"";
        if (DeviceProblem() is { } device) yield return device;
        if (string.IsNullOrWhiteSpace(OutputDir)) yield return "output_dir: required";
        if (SaveEverySteps is <= 0) yield return string.Create(inv, $"save_every_steps: must be positive, got {SaveEverySteps}");
        if (ZeroshotEverySteps is <= 0) yield return string.Create(inv, $"zeroshot_every_steps: must be positive, got {ZeroshotEverySteps}");
        if (MaxBadSteps <= 0) yield return string.Create(inv, $"max_bad_steps: must be positive, got {MaxBadSteps}");
        if (LogEverySteps <= 0) yield return string.Create(inv, $"log_every_steps: must be positive, got {LogEverySteps}");
        if (Tokenizer is not null && !File.Exists(Tokenizer)) yield return $"tokenizer: file not found: {Tokenizer}";
    }

    private string? DeviceProblem()
    {
        try
        {
            ClipEngine.Device.Parse(Device ?? "");
            return null;
        }
        catch (FormatException e)
        {
            return "device: " + e.Message;
        }
    }
}
