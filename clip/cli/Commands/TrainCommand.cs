using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClipEngine.Backends.Cuda;
using ClipEngine.Cli.Training;
using ClipEngine.Clip;
using ClipEngine.Clip.Data;
using ClipEngine.Clip.Tokenization;
using ClipEngine.Clip.Training;

namespace ClipEngine.Cli.Commands;

/// <summary>
/// <c>train</c>: trains a CLIP model and writes a run directory — options.json, data.json, metrics.jsonl,
/// zeroshot.jsonl, checkpoints/, loss.png and zeroshot.png. With no arguments it is the default run: a small CLIP on
/// the built-in shapes dataset with a BPE vocabulary learnt from its captions (<see cref="BuiltinTraining"/>).
/// Options come from <see cref="BuiltinTraining"/> (built-in data) or open_clip's defaults (real data), then a
/// <c>--config</c> JSON file (TrainOptions fields, snake_case), then the flags. <c>--resume</c> continues a run
/// bit-identically from its latest checkpoint, with the options and data it was started with.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(CliContext context)
    {
        var f = new Flags();
        var command = new Command("train", "Train CLIP: by default a small model on the built-in shapes dataset (about 10 minutes on 2 CPU cores)");
        foreach (var option in f.All) command.Options.Add(option);
        command.SetAction(parsed => Execute(context, parsed, f));
        return command;
    }

    /// <summary>The flags, named as open_clip's where it has them.</summary>
    private sealed class Flags
    {
        public readonly Option<string?> Config = new("--config") { Description = "Training options JSON (TrainOptions fields in snake_case: batch_size, lr, warmup, model_config, …); flags override it" };
        public readonly Option<string?> Model = new("--model") { Description = "Model config: a preset (ViT-B-32, …) or an open_clip JSON config file; default for --data builtin: a small ViT sized for the CPU" };
        public readonly Option<string?> Data = new("--data") { Description = "builtin: the built-in synthetic shapes dataset (the default when --train-data is not given)" };
        public readonly Option<string?> TrainData = new("--train-data") { Description = "Real data: a CSV/TSV of image paths and captions, or WebDataset shards (\"shards-{000..009}.tar\", several joined by ::)" };
        public readonly Option<string?> DatasetType = new("--dataset-type") { Description = "csv, webdataset or auto (from the --train-data name: .tar is WebDataset)", DefaultValueFactory = _ => "auto" };
        public readonly Option<string?> CsvImgKey = new("--csv-img-key") { Description = "The CSV column of image paths (default: filepath)" };
        public readonly Option<string?> CsvCaptionKey = new("--csv-caption-key") { Description = "The CSV column of captions (default: title)" };
        public readonly Option<string?> CsvSeparator = new("--csv-separator") { Description = "The CSV field separator: one character, or \\t (the default)" };
        public readonly Option<bool> DatasetResampled = new("--dataset-resampled") { Description = "WebDataset: draw shards with replacement, without end" };
        public readonly Option<long?> TrainNumSamples = new("--train-num-samples") { Description = "WebDataset: samples per epoch (needed for --epochs and with --dataset-resampled)" };
        public readonly Option<string?> Vocab = new("--vocab") { Description = "Real data: the tokenizer (bpe_simple_vocab_16e6.txt.gz or tokenizer.json); it is copied into every checkpoint" };
        public readonly Option<int?> Workers = new("--workers") { Description = "Real data: image decoding threads" };
        public readonly Option<int?> BatchSize = new("--batch-size") { Description = "Pairs per micro-batch" };
        public readonly Option<long?> Steps = new("--steps") { Description = "Optimizer steps to train for" };
        public readonly Option<int?> Epochs = new("--epochs") { Description = "Passes over the data instead of --steps (needs a data source with a known epoch size)" };
        public readonly Option<double?> Lr = new("--lr") { Description = "Peak learning rate" };
        public readonly Option<long?> Warmup = new("--warmup") { Description = "Linear warmup steps" };
        public readonly Option<double?> Wd = new("--wd") { Description = "Weight decay (not applied to gains, biases, embeddings' 1-D parameters or logit_scale)" };
        public readonly Option<string?> Precision = new("--precision") { Description = "fp32 or bf16 (weights and optimizer state stay fp32)" };
        public readonly Option<int?> AccumFreq = new("--accum-freq") { Description = "Micro-batches per optimizer step; the contrastive loss spans all of them" };
        public readonly Option<bool> GradCheckpointing = new("--grad-checkpointing") { Description = "Recompute each residual block's activations in backward (less memory, more time)" };
        public readonly Option<double?> GradClipNorm = new("--grad-clip-norm") { Description = "Clip the gradients' global L2 norm to this" };
        public readonly Option<string?> Device = new("--device") { Description = "cpu, cuda or cuda:N (default: cpu)" };
        public readonly Option<string?> Output = new("--output", "-o") { Description = "Run directory (default: runs/<timestamp>)" };
        public readonly Option<ulong?> Seed = new("--seed") { Description = "Seed of the model's initialisation and of the real data's order and augmentation" };
        public readonly Option<long?> ZeroshotFrequency = new("--zeroshot-frequency") { Description = "Zero-shot evaluation every this many steps (and at the end)" };
        public readonly Option<long?> SaveFrequency = new("--save-frequency") { Description = "Checkpoint every this many steps (and at the end)" };
        public readonly Option<string?> Resume = new("--resume") { Description = "Continue a run from its latest checkpoint: its directory, or 'latest' (the newest under runs/)" };
        public readonly Option<string?> ImageFolder = new("--image-folder") { Description = "Zero-shot evaluation on an image folder (one sub-folder per class) during training" };
        public readonly Option<string?> ClassNames = new("--class-names") { Description = "With --image-folder: class names, one a line in folder order (default: folder names, _ as space)" };
        public readonly Option<string?> Templates = new("--templates") { Description = "With --image-folder: prompt templates, one a line with {} for the class name" };

        public IEnumerable<Option> All =>
        [
            Config, Model, Data, TrainData, DatasetType, CsvImgKey, CsvCaptionKey, CsvSeparator, DatasetResampled, TrainNumSamples,
            Vocab, Workers, BatchSize, Steps, Epochs, Lr, Warmup, Wd, Precision, AccumFreq, GradCheckpointing, GradClipNorm,
            Device, Output, Seed, ZeroshotFrequency, SaveFrequency, Resume, ImageFolder, ClassNames, Templates,
        ];

        /// <summary>The flags a resumed run may still be given: the others are fixed by the run being resumed.</summary>
        public IEnumerable<Option> AllowedWithResume => [Resume, Workers];
    }

    /// <summary>TrainOptions fields whose flag is not "--" + the field with '-' for '_'.</summary>
    private static readonly Dictionary<string, string> FlagOfField = new()
    {
        ["output_dir"] = "--output",
        ["zeroshot_every_steps"] = "--zeroshot-frequency",
        ["save_every_steps"] = "--save-frequency",
        ["model_config"] = "--model",
        ["tokenizer"] = "--vocab",
    };

    private static int Execute(CliContext context, ParseResult parsed, Flags f)
    {
        var live = ReferenceEquals(context.Out, Console.Out) && !Console.IsOutputRedirected;
        using var interrupt = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (interrupt.IsCancellationRequested) return;
            e.Cancel = true;
            interrupt.Cancel();
            context.Err.WriteLine("clip: stopping after this step and saving a checkpoint (Ctrl+C again to quit at once)");
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var run = parsed.GetValue(f.Resume) is { } resume ? PrepareResume(context, parsed, f, resume) : PrepareNew(context, parsed, f);
            using (run)
                return Train(context, run, live, interrupt.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>Everything a run needs once its options are settled; owns its data source and evaluator.</summary>
    private sealed class PreparedRun(string runDir, TrainOptions options, TrainDataSpec spec, ClipConfig config,
        IBatchSource source, IZeroShotEvaluator? evaluator, double? chanceLevel, long startStep, bool resuming) : IDisposable
    {
        public string RunDir { get; } = runDir;
        public TrainOptions Options { get; } = options;
        public TrainDataSpec Spec { get; } = spec;
        public ClipConfig Config { get; } = config;
        public IBatchSource Source { get; } = source;
        public IZeroShotEvaluator? Evaluator { get; } = evaluator;
        public double? ChanceLevel { get; } = chanceLevel;
        public long StartStep { get; } = startStep;
        public bool Resuming { get; } = resuming;

        public void Dispose()
        {
            (Source as IDisposable)?.Dispose();
            (Evaluator as IDisposable)?.Dispose();
        }
    }

    private static PreparedRun PrepareNew(CliContext context, ParseResult parsed, Flags f)
    {
        var spec = DataSpec(parsed, f);
        var configFile = parsed.GetValue(f.Config);
        var fileJson = configFile is null ? null : ReadConfigObject(configFile);
        var runDir = parsed.GetValue(f.Output)
            ?? (fileJson?["output_dir"] is JsonValue dir ? dir.GetValue<string>() : null)
            ?? RunPaths.NewRunDirectory();
        if (TrainCheckpoint.FindLatest(runDir) is { } existing)
            throw new UsageException($"--output: {runDir} already holds a run (latest checkpoint {existing}); continue it with --resume {runDir}, or choose another directory");
        // The built-in model's vocabulary size is the learnt tokenizer's; the options are checked before it is learnt,
        // with the size asked for standing in.
        var provisional = BuiltinTraining.ModelConfig(ShapesTokenizer.DefaultVocabSize);
        string? vocabPath = null;
        if (spec.IsBuiltin && parsed.GetValue(f.Vocab) is not null)
            throw new UsageException("--vocab: the built-in data trains its own vocabulary; --vocab is for --train-data");
        if (!spec.IsBuiltin)
        {
            var vocab = parsed.GetValue(f.Vocab) ?? throw new UsageException("--vocab: training on --train-data needs a tokenizer: " + CliOptions.VocabHint);
            var name = Path.GetFileName(vocab);
            if (name.Equals("vocab.json", StringComparison.OrdinalIgnoreCase) || name.Equals("merges.txt", StringComparison.OrdinalIgnoreCase))
                throw new UsageException("--vocab: give a one-file tokenizer (bpe_simple_vocab_16e6.txt.gz or tokenizer.json), which checkpoints can carry");
            vocabPath = Path.GetFullPath(vocab);
        }
        var baseOptions = spec.IsBuiltin ? BuiltinTraining.Options(provisional, runDir) : new TrainOptions { OutputDir = runDir };
        var options = Validated(WithFlags(Overlay(baseOptions, fileJson, configFile), parsed, f) with { OutputDir = runDir, Tokenizer = vocabPath });
        // Before anything is written or learnt, so that a missing CUDA driver is the one message.
        CliOptions.ParseDevice(options.Device);
        var config = options.ResolveModelConfig();

        var tokenizer = spec.IsBuiltin ? ShapesTokenizer.Train(new ShapesDataset(BuiltinTraining.DatasetOptions())) : ClipPipeline.LoadTokenizer(vocabPath!);
        if (config == provisional)
        {
            config = BuiltinTraining.ModelConfig(tokenizer.VocabSize);
            options = options with { ModelConfig = config };
        }
        CheckTokenizer(tokenizer, config);

        Directory.CreateDirectory(runDir);
        if (spec.IsBuiltin)
        {
            // Saved into the run directory, and by the trainer into every checkpoint.
            var tokenizerPath = Path.GetFullPath(Path.Combine(runDir, ShapesTokenizer.FileName));
            tokenizer.SaveOpenAiMerges(tokenizerPath);
            options = options with { Tokenizer = tokenizerPath };
        }
        spec.Save(runDir);
        var (source, evaluator, chance) = BuildData(spec, options, config, tokenizer);
        context.Out.WriteLine($"run directory: {Path.GetFullPath(runDir)}");
        return new PreparedRun(runDir, options, spec, config, source, evaluator, chance, startStep: 0, resuming: false);
    }

    private static PreparedRun PrepareResume(CliContext context, ParseResult parsed, Flags f, string resume)
    {
        var fixedFlags = f.All.Except(f.AllowedWithResume).Where(o => parsed.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
        if (fixedFlags.Count > 0)
            throw new UsageException($"{string.Join(", ", fixedFlags)}: a resumed run keeps the options it was started with (only --workers may change)");
        var runDir = RunPaths.ResolveResume(resume);
        var checkpoint = TrainCheckpoint.FindLatest(runDir) ?? throw new UsageException($"--resume: {runDir} has no checkpoint yet");
        var state = TrainCheckpoint.ReadState(checkpoint);
        var spec = TrainDataSpec.Load(runDir);
        if (parsed.GetValue(f.Workers) is { } workers) spec = spec with { Workers = PositiveWorkers(workers) };
        var options = state.Options;
        CliOptions.ParseDevice(options.Device);
        var tokenizerPath = state.Tokenizer is { } name ? Path.Combine(checkpoint, name)
            : options.Tokenizer ?? throw new InvalidDataException($"{checkpoint}: the checkpoint names no tokenizer");
        var tokenizer = ClipPipeline.LoadTokenizer(tokenizerPath);
        var config = options.ResolveModelConfig();
        var (source, evaluator, chance) = BuildData(spec, options, config, tokenizer);
        context.Out.WriteLine($"resuming {Path.GetFullPath(runDir)} from {checkpoint} (step {state.Step} of {state.TotalSteps})");
        return new PreparedRun(runDir, options, spec, config, source, evaluator, chance, state.Step, resuming: true);
    }

    private static int Train(CliContext context, PreparedRun run, bool live, CancellationToken cancellationToken)
    {
        var options = run.Options;
        var device = ClipEngine.Device.Parse(options.Device);
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"model: {run.Config.ParameterCount():N0} parameters (image {run.Config.Vision.ImageSize}px, patch {run.Config.Vision.PatchSize}, vision width {run.Config.Vision.Width} × {run.Config.Vision.Layers} layers; text width {run.Config.Text.Width} × {run.Config.Text.Layers} layers, context {run.Config.Text.ContextLength}, vocabulary {run.Config.Text.VocabSize}); embed {run.Config.EmbedDim}"));
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"data: {DescribeData(run.Spec)}; batch {options.BatchSize}{(options.AccumFreq > 1 ? $" × {options.AccumFreq} accumulated" : "")}, lr {options.Lr}, warmup {options.Warmup}, wd {options.Wd}, on {device}"));

        var zeroShotLog = new ZeroShotLog(run.RunDir, run.Resuming ? run.StartStep : null);
        var reporter = new TrainReporter(context.Out, live, zeroShotLog, run.Evaluator as ShapesZeroShotEvaluator, run.ChanceLevel);
        var clock = Stopwatch.StartNew();
        TrainResult result;
        try
        {
            var totalSteps = options.TotalSteps(run.Source.SamplesPerEpoch);
            result = reporter.Run(run.StartStep, totalSteps, () => run.Resuming
                ? Trainer.Resume(run.RunDir, run.Source, run.Evaluator, reporter, cancellationToken)
                : Trainer.Run(options, run.Source, run.Evaluator, reporter, cancellationToken));
        }
        catch (NotSupportedException e) when (device.Type == DeviceType.Cuda)
        {
            throw new InvalidOperationException(
                $"--device {device}: the Cuda backend cannot run this model — {e.Message}. Train with --device cpu, or change the model config.", e);
        }
        var plots = TrainPlots.Write(run.RunDir, run.ChanceLevel);
        WriteSummary(context.Out, run, result, plots, clock.Elapsed);
        return ClipCli.Success;
    }

    private static void WriteSummary(TextWriter output, PreparedRun run, TrainResult result, IReadOnlyList<string> plots, TimeSpan elapsed)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine(result.Completed
            ? string.Create(inv, $"training finished: {result.Steps}/{result.TotalSteps} steps in {TrainReporter.Clock(elapsed)} ({result.Precision})")
            : string.Create(inv, $"training stopped at step {result.Steps}/{result.TotalSteps}; continue it with: clip train --resume {run.RunDir}"));
        output.WriteLine($"  run directory: {Path.GetFullPath(result.RunDirectory)}");
        output.WriteLine($"  checkpoint:    {Path.GetFullPath(result.Checkpoint)}");
        output.WriteLine($"  metrics:       {Path.GetFullPath(result.MetricsFile)}");
        foreach (var plot in plots) output.WriteLine($"  plot:          {Path.GetFullPath(plot)}");
        if (result.Last is { } last) output.WriteLine(string.Create(inv, $"  final loss:    {last.Loss:F4}"));
        if (result.ZeroShot is { } zeroShot)
        {
            var chance = run.ChanceLevel is { } c ? $" — chance {TrainReporter.Percent(c)}" : "";
            output.WriteLine($"  zero-shot:     {TrainReporter.Describe(zeroShot)}{chance}");
            if (run.Evaluator is ShapesZeroShotEvaluator { LastSeen: { } seen }) output.WriteLine($"                 {TrainReporter.Describe(seen)}");
        }
        var data = run.Spec.IsBuiltin ? " --data builtin" : run.Spec.ImageFolder is { } folder ? $" --image-folder {folder}" : "";
        output.WriteLine($"  evaluate it:   clip eval --model {run.RunDir}{data}");
    }

    private static TrainDataSpec DataSpec(ParseResult parsed, Flags f)
    {
        var data = parsed.GetValue(f.Data);
        var trainData = parsed.GetValue(f.TrainData);
        if (data is not null && data != TrainDataSpec.Builtin)
            throw new UsageException($"--data: expected 'builtin', got '{data}' (real data is given with --train-data)");
        if (data is not null && trainData is not null) throw new UsageException("--data builtin and --train-data cannot be combined");
        if (trainData is null)
        {
            var realOnly = new Option[] { f.CsvImgKey, f.CsvCaptionKey, f.CsvSeparator, f.DatasetResampled, f.TrainNumSamples, f.Workers }
                .Where(o => parsed.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
            if (realOnly.Count > 0) throw new UsageException($"{string.Join(", ", realOnly)}: only for --train-data");
            if (parsed.GetValue(f.ImageFolder) is not null) throw new UsageException("--image-folder: the built-in data is evaluated on its own held-out pairs; --image-folder is for --train-data");
            return new TrainDataSpec();
        }
        var type = parsed.GetValue(f.DatasetType) ?? "auto";
        var kind = type switch
        {
            "auto" => trainData.Contains(".tar", StringComparison.OrdinalIgnoreCase) ? TrainDataSpec.WebDataset : TrainDataSpec.Csv,
            "csv" => TrainDataSpec.Csv,
            "webdataset" => TrainDataSpec.WebDataset,
            _ => throw new UsageException($"--dataset-type: expected csv, webdataset or auto, got '{type}'"),
        };
        var separator = parsed.GetValue(f.CsvSeparator) ?? "\\t";
        try
        {
            CsvOptions.ParseSeparator(separator);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--csv-separator: {ErrorText.Of(e)}");
        }
        if (parsed.GetValue(f.TrainNumSamples) is <= 0) throw new UsageException($"--train-num-samples must be positive, got {parsed.GetValue(f.TrainNumSamples)}");
        if (parsed.GetValue(f.ClassNames) is not null && parsed.GetValue(f.ImageFolder) is null) throw new UsageException("--class-names needs --image-folder");
        if (parsed.GetValue(f.Templates) is not null && parsed.GetValue(f.ImageFolder) is null) throw new UsageException("--templates needs --image-folder");
        var defaults = new TrainDataSpec();
        return new TrainDataSpec
        {
            Kind = kind,
            TrainData = kind == TrainDataSpec.Csv || !trainData.Contains("::", StringComparison.Ordinal) ? Path.GetFullPath(trainData) : trainData,
            CsvImgKey = parsed.GetValue(f.CsvImgKey) ?? defaults.CsvImgKey,
            CsvCaptionKey = parsed.GetValue(f.CsvCaptionKey) ?? defaults.CsvCaptionKey,
            CsvSeparator = separator,
            DatasetResampled = parsed.GetValue(f.DatasetResampled),
            TrainNumSamples = parsed.GetValue(f.TrainNumSamples),
            Workers = parsed.GetValue(f.Workers) is { } w ? PositiveWorkers(w) : defaults.Workers,
            ImageFolder = parsed.GetValue(f.ImageFolder) is { } folder ? Path.GetFullPath(folder) : null,
            ClassNames = parsed.GetValue(f.ClassNames) is { } names ? Path.GetFullPath(names) : null,
            Templates = parsed.GetValue(f.Templates) is { } templates ? Path.GetFullPath(templates) : null,
        };
    }

    private static int PositiveWorkers(int value) => value > 0 ? value : throw new UsageException($"--workers must be positive, got {value}");

    /// <summary>The data source and evaluator a run's data spec describes, for the model's input size and context.</summary>
    private static (IBatchSource Source, IZeroShotEvaluator? Evaluator, double? Chance) BuildData(TrainDataSpec spec, TrainOptions options, ClipConfig config, ClipTokenizer tokenizer)
    {
        var tokenize = BuiltinTraining.Tokenize(tokenizer, config.Text.ContextLength);
        var resolution = config.Vision.ImageSize;
        if (spec.IsBuiltin)
        {
            var dataset = new ShapesDataset(BuiltinTraining.DatasetOptions(resolution));
            var shapes = new ShapesZeroShotEvaluator(dataset, tokenize);
            return (new ShapesBatchSource(dataset, tokenize, options.BatchSize), shapes, shapes.ChanceLevel);
        }
        var decoder = new SampleDecoder(new RandomResizedCrop(resolution));
        var loaderOptions = new DataLoaderOptions { BatchSize = options.BatchSize, Workers = spec.Workers, Seed = options.Seed };
        var data = spec.TrainData ?? throw new InvalidDataException($"{TrainDataSpec.FileName}: train_data is missing");
        LoaderBatchSource source = spec.Kind == TrainDataSpec.Csv
            ? LoaderBatchSource.FromCsv(new CsvCaptionSource(data, new CsvOptions
            {
                ImageKey = spec.CsvImgKey,
                CaptionKey = spec.CsvCaptionKey,
                Separator = CsvOptions.ParseSeparator(spec.CsvSeparator),
            }), decoder, tokenize, loaderOptions)
            : LoaderBatchSource.FromWebDataset(new WebDatasetSource(data, new WebDatasetOptions
            {
                Resample = spec.DatasetResampled,
                SamplesPerEpoch = spec.TrainNumSamples,
            }), decoder, tokenize, loaderOptions);
        if (spec.ImageFolder is null) return (source, null, null);
        try
        {
            var templates = spec.Templates is { } file ? ZeroShotTemplates.Load(file) : null;
            var folder = new ImageFolderEvaluator(spec.ImageFolder, resolution, tokenize, spec.ClassNames, templates);
            return (source, folder, folder.ChanceLevel);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    private static string DescribeData(TrainDataSpec spec) => spec.Kind switch
    {
        TrainDataSpec.Builtin => "built-in shapes (held-out colour × shape pairs for zero-shot)",
        TrainDataSpec.Csv => $"CSV {spec.TrainData}",
        _ => $"WebDataset {spec.TrainData}{(spec.DatasetResampled ? " (resampled)" : "")}",
    };

    private static void CheckTokenizer(ClipTokenizer tokenizer, ClipConfig config)
    {
        if (tokenizer.EotTokenId != config.Text.EotTokenId)
            throw new UsageException($"--model: the model config pools text at id {config.Text.EotTokenId} (text_cfg.vocab_size {config.Text.VocabSize}) but the tokenizer's <|endoftext|> is id {tokenizer.EotTokenId}; set text_cfg.vocab_size to {tokenizer.VocabSize}");
        if (tokenizer.VocabSize > config.Text.VocabSize)
            throw new UsageException($"--model: the model config's text_cfg.vocab_size is {config.Text.VocabSize} but the tokenizer has {tokenizer.VocabSize} ids");
    }

    private static JsonObject ReadConfigObject(string path)
    {
        // Rejects unknown fields and bad values first, naming the file and the field.
        TrainOptions.Load(path);
        return JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
            ?? throw new UsageException($"--config: {path} does not hold a JSON object");
    }

    /// <summary>The base options with every field the config file sets replaced by the file's value.</summary>
    private static TrainOptions Overlay(TrainOptions baseOptions, JsonObject? file, string? path)
    {
        if (file is null) return baseOptions;
        var merged = JsonNode.Parse(baseOptions.ToJson())!.AsObject();
        // model and model_config exclude each other: the file's choice replaces the base's.
        if (file.ContainsKey("model") || file.ContainsKey("model_config"))
        {
            merged.Remove("model");
            merged.Remove("model_config");
        }
        foreach (var (name, value) in file) merged[name] = value?.DeepClone();
        try
        {
            return TrainOptions.FromJson(merged.ToJsonString());
        }
        catch (FormatException e)
        {
            throw new UsageException($"--config: {path}: {e.Message}");
        }
    }

    private static TrainOptions WithFlags(TrainOptions o, ParseResult p, Flags f)
    {
        if (p.GetValue(f.Steps) is not null && p.GetValue(f.Epochs) is not null) throw new UsageException("--steps and --epochs cannot be combined");
        if (p.GetValue(f.Model) is { } model) o = o with { Model = File.Exists(model) ? Path.GetFullPath(model) : model, ModelConfig = null };
        if (p.GetValue(f.Steps) is { } steps) o = o with { Steps = steps, Epochs = null };
        if (p.GetValue(f.Epochs) is { } epochs) o = o with { Epochs = epochs, Steps = null };
        return o with
        {
            BatchSize = p.GetValue(f.BatchSize) ?? o.BatchSize,
            Lr = p.GetValue(f.Lr) ?? o.Lr,
            Warmup = p.GetValue(f.Warmup) ?? o.Warmup,
            Wd = p.GetValue(f.Wd) ?? o.Wd,
            Precision = p.GetValue(f.Precision) ?? o.Precision,
            AccumFreq = p.GetValue(f.AccumFreq) ?? o.AccumFreq,
            GradCheckpointing = p.GetValue(f.GradCheckpointing) || o.GradCheckpointing,
            GradClipNorm = p.GetValue(f.GradClipNorm) ?? o.GradClipNorm,
            Device = p.GetValue(f.Device) ?? o.Device,
            Seed = p.GetValue(f.Seed) ?? o.Seed,
            ZeroshotEverySteps = p.GetValue(f.ZeroshotFrequency) ?? o.ZeroshotEverySteps,
            SaveEverySteps = p.GetValue(f.SaveFrequency) ?? o.SaveEverySteps,
        };
    }

    /// <summary>Validates the options, naming the flag of each invalid field (the JSON field when it has no flag).</summary>
    private static TrainOptions Validated(TrainOptions options)
    {
        try
        {
            return options.Validate();
        }
        catch (ArgumentException e)
        {
            var lines = e.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line =>
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0) return line;
                var field = line[..colon];
                var flag = FlagOfField.GetValueOrDefault(field) ?? "--" + field.Replace('_', '-');
                return $"{flag}{line[colon..]}";
            });
            throw new UsageException(string.Join("; ", lines));
        }
    }
}
