using SixLabors.ImageSharp;

namespace ClipEngine.Clip;

/// <summary>
/// Zero-shot classification as in the CLIP paper: each class is the text embedding of its prompts, averaged over the
/// templates OpenAI's way (encode every prompt, normalise each, average, renormalise); an image's probabilities are
/// the softmax over classes of exp(logit_scale) · cosine(image, class). Class embeddings are computed once, at
/// construction; classifying is then thread-safe like the pipeline.
/// </summary>
public sealed class ZeroShotClassifier
{
    private readonly ClipPipeline _pipeline;
    private readonly double[][] _classEmbeddings;

    /// <param name="templates">Prompt templates with <c>{}</c> for the class name; <see cref="ZeroShotTemplates.Default"/> when null.</param>
    public ZeroShotClassifier(ClipPipeline pipeline, IReadOnlyList<string> classNames, IReadOnlyList<string>? templates = null)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(classNames);
        templates ??= ZeroShotTemplates.Default;
        if (classNames.Count == 0) throw new ArgumentException("zero-shot classification needs at least one class name", nameof(classNames));
        if (templates.Count == 0) throw new ArgumentException("zero-shot classification needs at least one template", nameof(templates));
        if (classNames.FirstOrDefault(string.IsNullOrWhiteSpace) is not null) throw new ArgumentException("class names must not be empty", nameof(classNames));
        if (classNames.GroupBy(c => c, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"class name \"{twice.Key}\" is given more than once", nameof(classNames));
        if (templates.FirstOrDefault(t => !t.Contains(ZeroShotTemplates.Placeholder, StringComparison.Ordinal)) is { } bad)
            throw new ArgumentException($"template \"{bad}\" has no {ZeroShotTemplates.Placeholder} for the class name", nameof(templates));

        _pipeline = pipeline;
        ClassNames = [.. classNames];
        Templates = [.. templates];
        using (var logitScale = Ops.Exp(pipeline.Model.LogitScale))
            LogitScale = logitScale.Item();
        var prompts = ClassNames.SelectMany(c => Templates.Select(t => ZeroShotTemplates.Format(t, c))).ToList();
        var promptEmbeddings = pipeline.EncodeTexts(prompts);
        _classEmbeddings = [.. Enumerable.Range(0, ClassNames.Count).Select(c => Ensemble(promptEmbeddings.AsSpan(c * Templates.Count, Templates.Count)))];
    }

    public IReadOnlyList<string> ClassNames { get; }

    public IReadOnlyList<string> Templates { get; }

    /// <summary>exp(logit_scale) of the model: the factor on cosine similarities before the softmax (100 for OpenAI's weights).</summary>
    public double LogitScale { get; }

    /// <summary>The unit-length embedding of class <paramref name="index"/> (its prompt ensemble).</summary>
    public float[] ClassEmbedding(int index) => Array.ConvertAll(_classEmbeddings[index], v => (float)v);

    /// <summary>The classes of one image file, most probable first.</summary>
    public IReadOnlyList<ClassProbability> Classify(string path) => Classify([path])[0];

    /// <summary>The classes of each image file, most probable first; a file that cannot be read throws its <see cref="ImageLoadException"/>.</summary>
    public IReadOnlyList<IReadOnlyList<ClassProbability>> Classify(IReadOnlyList<string> paths) => ClassifyEmbeddings(_pipeline.EncodeImages(paths));

    /// <summary>The classes of one image in memory, most probable first.</summary>
    public IReadOnlyList<ClassProbability> Classify(Image image) => Classify([image])[0];

    /// <summary>The classes of each image in memory, most probable first.</summary>
    public IReadOnlyList<IReadOnlyList<ClassProbability>> Classify(IReadOnlyList<Image> images) => ClassifyEmbeddings(_pipeline.EncodeImages(images));

    /// <summary>The classes of each preprocessed image [n, 3, R, R], most probable first.</summary>
    public IReadOnlyList<IReadOnlyList<ClassProbability>> Classify(Tensor images) => ClassifyEmbeddings(_pipeline.EncodeImages(images));

    /// <summary>The classes of each unit-length image embedding, most probable first (ties in class order).</summary>
    public IReadOnlyList<IReadOnlyList<ClassProbability>> ClassifyEmbeddings(IReadOnlyList<float[]> imageEmbeddings)
    {
        ArgumentNullException.ThrowIfNull(imageEmbeddings);
        return [.. imageEmbeddings.Select(Rank)];
    }

    private IReadOnlyList<ClassProbability> Rank(float[] image)
    {
        var logits = new double[_classEmbeddings.Length];
        for (var c = 0; c < logits.Length; c++)
        {
            var classEmbedding = _classEmbeddings[c];
            if (classEmbedding.Length != image.Length)
                throw new ArgumentException($"an image embedding of {image.Length} values does not match the class embeddings' {classEmbedding.Length}");
            double dot = 0;
            for (var i = 0; i < image.Length; i++) dot += image[i] * classEmbedding[i];
            logits[c] = LogitScale * dot;
        }
        var max = logits.Max();
        var exps = logits.Select(l => Math.Exp(l - max)).ToArray();
        var sum = exps.Sum();
        return [.. exps
            .Select((e, c) => new ClassProbability(c, ClassNames[c], e / sum))
            .OrderByDescending(p => p.Probability)
            .ThenBy(p => p.ClassIndex)];
    }

    /// <summary>OpenAI's ensemble: the mean of unit-length prompt embeddings, renormalised.</summary>
    private static double[] Ensemble(ReadOnlySpan<float[]> prompts)
    {
        var mean = new double[prompts[0].Length];
        foreach (var prompt in prompts)
            for (var i = 0; i < mean.Length; i++) mean[i] += prompt[i];
        var norm = Math.Sqrt(mean.Sum(v => v * v));
        if (norm == 0) throw new InvalidOperationException("the prompt embeddings of a class cancel out; use other templates");
        for (var i = 0; i < mean.Length; i++) mean[i] /= norm;
        return mean;
    }
}
