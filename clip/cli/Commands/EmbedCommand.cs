using System.CommandLine;
using ClipEngine.Clip;

namespace ClipEngine.Cli.Commands;

/// <summary>
/// <c>embed</c>: raw (not normalised) float32 features of images and texts, in input order, written as
/// <c>image_features</c> and <c>text_features</c> (only those with inputs). Inputs are image files or an already
/// preprocessed tensor, and texts or an already tokenized tensor. An image that cannot be read fails the whole
/// command, naming the file: the output's rows must line up with the inputs.
/// </summary>
internal static class EmbedCommand
{
    public static Command Create(CliContext context)
    {
        var shared = new PipelineOptions();
        var images = new Option<string[]>("--image") { Description = "Image file to embed (repeat for more)", AllowMultipleArgumentsPerToken = true };
        var texts = new Option<string[]>("--text") { Description = "Text to embed (repeat for more)" };
        var imagesTensor = new Option<string?>("--images-tensor") { Description = "FILE:KEY of a preprocessed [B,3,R,R] float tensor in a safetensors file" };
        var tokensTensor = new Option<string?>("--tokens-tensor") { Description = "FILE:KEY of a [B,L] integer token tensor in a safetensors file" };
        var output = new Option<string>("--output", "-o") { Description = "Output file", Required = true };
        var format = new Option<string?>("--format") { Description = "safetensors or json (default: from the output's extension)" };
        format.AcceptOnlyFromAmong(FeatureFile.SafeTensorsFormat, FeatureFile.JsonFormat);

        var command = new Command("embed", "Write the raw image and text features of a CLIP model")
        {
            shared.Model, shared.Vocab, shared.Config, images, texts, imagesTensor, tokensTensor, shared.Device, shared.BatchSize, shared.Precision, output, format,
        };
        command.SetAction(parsed =>
        {
            var imageFiles = parsed.GetValue(images) ?? [];
            var textList = parsed.GetValue(texts) ?? [];
            var imagesRef = parsed.GetValue(imagesTensor) is { } i ? TensorReference.Parse("--images-tensor", i) : null;
            var tokensRef = parsed.GetValue(tokensTensor) is { } t ? TensorReference.Parse("--tokens-tensor", t) : null;
            if (imageFiles.Length > 0 && imagesRef is not null) throw new UsageException("--image and --images-tensor cannot be combined");
            if (textList.Length > 0 && tokensRef is not null) throw new UsageException("--text and --tokens-tensor cannot be combined");
            if (imageFiles.Length == 0 && textList.Length == 0 && imagesRef is null && tokensRef is null)
                throw new UsageException("nothing to embed: give --image, --text, --images-tensor or --tokens-tensor");
            var settings = shared.Parse(parsed);
            if (textList.Length > 0 && settings.VocabPath is null) throw new UsageException("--text needs a tokenizer: " + CliOptions.VocabHint);
            var outputPath = parsed.GetRequiredValue(output);
            var outputFormat = FeatureFile.ResolveFormat(parsed.GetValue(format), outputPath);

            using var preprocessed = imagesRef?.Load();
            using var tokens = tokensRef?.Load();
            using var pipeline = settings.Load(withTokenizer: textList.Length > 0);

            var features = new List<KeyValuePair<string, Tensor>>();
            try
            {
                if (imageFiles.Length > 0) features.Add(new("image_features", pipeline.EncodeImageFeatures(imageFiles)));
                if (preprocessed is not null) features.Add(new("image_features", About(imagesRef!, () => pipeline.EncodeImageFeatures(preprocessed))));
                if (textList.Length > 0) features.Add(new("text_features", pipeline.EncodeTextFeatures(textList)));
                if (tokens is not null) features.Add(new("text_features", About(tokensRef!, () => pipeline.EncodeTextFeatures(tokens))));
                FeatureFile.Write(outputPath, outputFormat, features, new Dictionary<string, string> { ["model"] = Path.GetFileName(settings.ModelPath) });
                context.Out.WriteLine($"wrote {string.Join(" and ", features.Select(f => $"{f.Key} {ShapeUtil.Format(f.Value.Shape)}"))} to {outputPath} ({outputFormat})");
            }
            finally
            {
                foreach (var f in features) f.Value.Dispose();
            }
            return ClipCli.Success;
        });
        return command;
    }

    /// <summary>A tensor that does not fit the model is reported against the FILE:KEY it came from.</summary>
    private static Tensor About(TensorReference source, Func<Tensor> encode)
    {
        try
        {
            return encode();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {ErrorText.Of(e)}", e);
        }
    }
}
