using System.CommandLine;
using ClipEngine.Cli.Training;
using ClipEngine.Clip;
using ClipEngine.Clip.Data;
using ClipEngine.Clip.Training;

namespace ClipEngine.Cli.Commands;

/// <summary>
/// <c>eval</c>: zero-shot top-1 and top-5 accuracy of a model on the built-in dataset (its held-out and its seen
/// colour × shape pairs) or on an image folder (one sub-folder per class). The model is a checkpoint file, a
/// training checkpoint directory or a run directory (its latest checkpoint); a training checkpoint's tokenizer is
/// found beside its model.
/// </summary>
internal static class EvalCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model", "-m") { Description = "A run directory (its latest checkpoint), a checkpoint directory, or a checkpoint file", Required = true };
        var vocab = new Option<string?>("--vocab") { Description = "Tokenizer file; default: the one a training checkpoint carries (tokenizer.*)" };
        var data = new Option<string?>("--data") { Description = "builtin: the built-in shapes dataset's held-out and seen pairs" };
        var imageFolder = new Option<string?>("--image-folder") { Description = "An image folder: one sub-folder per class, holding its images" };
        var classNames = new Option<string?>("--class-names") { Description = "With --image-folder: class names, one a line in folder order (default: folder names, _ as space)" };
        var templates = new Option<string?>("--templates") { Description = "With --image-folder: prompt templates, one a line with {} for the class name (default: \"a photo of a {}.\")" };
        var images = new Option<int>("--images") { Description = "With --data builtin: images per evaluation set", DefaultValueFactory = _ => ShapesZeroShotEvaluator.DefaultImagesPerSet };
        var device = CliOptions.Device();
        var batchSize = CliOptions.BatchSize();
        var precision = CliOptions.Precision();

        var command = new Command("eval", "Zero-shot top-1/top-5 accuracy on the built-in dataset or an image folder")
        {
            model, vocab, data, imageFolder, classNames, templates, images, device, batchSize, precision,
        };
        command.SetAction(parsed =>
        {
            var dataName = parsed.GetValue(data);
            var folder = parsed.GetValue(imageFolder);
            if (dataName is not null && dataName != TrainDataSpec.Builtin) throw new UsageException($"--data: expected 'builtin', got '{dataName}' (an image folder is given with --image-folder)");
            if ((dataName is null) == (folder is null)) throw new UsageException("give exactly one of --data builtin and --image-folder DIR");
            if (folder is null && (parsed.GetValue(classNames) is not null || parsed.GetValue(templates) is not null))
                throw new UsageException("--class-names and --templates go with --image-folder (the built-in data has its own classes and prompts)");
            var count = parsed.GetValue(images);
            if (count <= 0) throw new UsageException($"--images must be positive, got {count}");
            var batch = CliOptions.PositiveBatchSize(parsed.GetValue(batchSize));
            var target = CliOptions.ParseDevice(parsed.GetRequiredValue(device));
            var compute = CliOptions.ParsePrecision(parsed.GetRequiredValue(precision));

            var modelFile = RunPaths.ModelFile(parsed.GetRequiredValue(model));
            var vocabPath = parsed.GetValue(vocab) ?? RunPaths.TokenizerBeside(modelFile)
                ?? throw new UsageException($"--vocab: no tokenizer beside {modelFile}; " + CliOptions.VocabHint);
            var tokenizer = ClipPipeline.LoadTokenizer(vocabPath);
            using var clip = ClipModel.Load(modelFile, target);
            var tokenize = BuiltinTraining.Tokenize(tokenizer, clip.Config.Text.ContextLength);
            var resolution = clip.Config.Vision.ImageSize;
            context.Out.WriteLine($"model: {modelFile} (tokenizer {vocabPath})");
            using var autocast = Autocast.Enable(compute);
            if (folder is null)
            {
                using var shapes = new ShapesZeroShotEvaluator(new ShapesDataset(BuiltinTraining.DatasetOptions(resolution)), tokenize, count, batch);
                var heldOut = shapes.Evaluate(clip);
                Write(context.Out, heldOut, shapes.ChanceLevel);
                Write(context.Out, shapes.LastSeen!, shapes.ChanceLevel);
            }
            else
            {
                var templateList = parsed.GetValue(templates) is { } file ? ZeroShotTemplates.Load(file) : null;
                var evaluator = new ImageFolderEvaluator(folder, resolution, tokenize, parsed.GetValue(classNames), templateList, batch);
                var result = evaluator.Evaluate(clip);
                Write(context.Out, result, evaluator.ChanceLevel);
                if (evaluator.Unreadable > 0) context.Err.WriteLine($"clip: warning: {evaluator.Unreadable} of {evaluator.ImageCount} images could not be read and were left out");
            }
            return ClipCli.Success;
        });
        return command;
    }

    private static void Write(TextWriter output, ZeroShotResult result, double chance) =>
        output.WriteLine(
            $"{result.Name}: top-1 {TrainReporter.Percent(result.Top1, 2)}  top-5 {TrainReporter.Percent(result.Top5, 2)}  ({result.Samples} images, {result.Classes} classes; chance top-1 {TrainReporter.Percent(chance, 2)})");
}
