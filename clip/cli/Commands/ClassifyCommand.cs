using System.CommandLine;
using System.Globalization;
using ClipEngine.Clip;

namespace ClipEngine.Cli.Commands;

/// <summary>
/// <c>classify</c>: zero-shot classification of image files against comma-separated labels, a ranked table per
/// image. An image that cannot be read is reported on stderr (naming the file) and the others are still classified;
/// the exit code is then 1.
/// </summary>
internal static class ClassifyCommand
{
    public static Command Create(CliContext context)
    {
        var shared = new PipelineOptions();
        var images = new Option<string[]>("--image") { Description = "Image file to classify (repeat for more)", Required = true, AllowMultipleArgumentsPerToken = true };
        var labels = new Option<string>("--labels") { Description = "Class names, comma-separated: \"dog,cat,car\"", Required = true };
        var templates = new Option<string?>("--templates") { Description = "File of prompt templates, one per line with {} for the class name (default: \"a photo of a {}.\")" };
        var top = new Option<int>("--top") { Description = "Classes shown per image", DefaultValueFactory = _ => 5 };

        var command = new Command("classify", "Zero-shot classify images against a list of labels")
        {
            shared.Model, shared.Vocab, shared.Config, images, labels, templates, top, shared.Device, shared.BatchSize, shared.Precision,
        };
        command.SetAction(parsed =>
        {
            var classNames = ParseLabels(parsed.GetRequiredValue(labels));
            var shown = parsed.GetValue(top);
            if (shown <= 0) throw new UsageException($"--top must be positive, got {shown}");
            var settings = shared.Parse(parsed);
            if (settings.VocabPath is null) throw new UsageException("classify needs a tokenizer for the labels: " + CliOptions.VocabHint);
            var templateList = parsed.GetValue(templates) is { } templateFile ? ZeroShotTemplates.Load(templateFile) : ZeroShotTemplates.Default;

            using var pipeline = settings.Load();
            var classifier = new ZeroShotClassifier(pipeline, classNames, templateList);
            var paths = parsed.GetRequiredValue(images);
            var failed = 0;
            for (var start = 0; start < paths.Length; start += pipeline.BatchSize)
            {
                using var decoded = pipeline.Preprocessor.PreprocessBatch(paths.Skip(start).Take(pipeline.BatchSize).ToArray(), device: pipeline.Device);
                var rankings = classifier.Classify(decoded.Images);
                foreach (var file in decoded.Files)
                {
                    if (file.Error is { } error)
                    {
                        context.Err.WriteLine($"clip: error: {error.Message}");
                        failed++;
                        continue;
                    }
                    WriteRanking(context.Out, file.Path, rankings[file.BatchIndex!.Value], shown);
                }
            }
            return failed == 0 ? ClipCli.Success : ClipCli.Failure;
        });
        return command;
    }

    /// <summary>The table of one image: its path, then rank, probability and label of the top classes.</summary>
    internal static void WriteRanking(TextWriter output, string path, IReadOnlyList<ClassProbability> ranking, int shown)
    {
        output.WriteLine(path);
        output.WriteLine("  rank  probability  label");
        foreach (var (p, rank) in ranking.Take(shown).Select((p, i) => (p, i + 1)))
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {rank,4}  {p.Probability,11:F6}  {p.ClassName}"));
    }

    private static string[] ParseLabels(string text)
    {
        var names = text.Split(',', StringSplitOptions.TrimEntries);
        if (names.Any(n => n.Length == 0)) throw new UsageException($"--labels: empty class name in \"{text}\" (expected comma-separated names such as \"dog,cat\")");
        return names;
    }
}
