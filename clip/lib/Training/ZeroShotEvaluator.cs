namespace ClipEngine.Clip.Training;

/// <summary>
/// Zero-shot classification as in CLIP's paper and open_clip's zero_shot_classifier: each class's prompts
/// (every template filled with the class name) are encoded, normalised and averaged into one normalised class
/// embedding; an image is assigned the classes whose embeddings are most similar to its normalised features.
/// Top-1 and top-5 accuracy over labelled images (top-k with k capped at the number of classes).
/// </summary>
public sealed class ZeroShotEvaluator : IZeroShotEvaluator
{
    private readonly IReadOnlyList<string> _classNames;
    private readonly IReadOnlyList<string> _templates;
    private readonly Func<IReadOnlyList<string>, Tensor> _tokenize;
    private readonly Func<IEnumerable<LabeledBatch>> _batches;

    /// <param name="name">The evaluation set's name, as metrics report it.</param>
    /// <param name="classNames">Class i's name; labels index this list.</param>
    /// <param name="templates">Prompt templates with "{}" where the class name goes ("a photo of a {}.").</param>
    /// <param name="tokenize">Texts → tokens [N, L] (I64 or I32), as the model was trained with (e.g. ClipTokenizer.Tokenize).</param>
    /// <param name="batches">Yields the evaluation set anew on every call, in batches the evaluator disposes.</param>
    public ZeroShotEvaluator(string name, IReadOnlyList<string> classNames, IReadOnlyList<string> templates,
        Func<IReadOnlyList<string>, Tensor> tokenize, Func<IEnumerable<LabeledBatch>> batches)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(templates);
        if (classNames.Count == 0) throw new ArgumentException("zero-shot evaluation needs at least one class", nameof(classNames));
        if (templates.Count == 0) throw new ArgumentException("zero-shot evaluation needs at least one prompt template", nameof(templates));
        if (templates.FirstOrDefault(t => !t.Contains("{}", StringComparison.Ordinal)) is { } bad)
            throw new ArgumentException($"prompt template \"{bad}\" has no \"{{}}\" for the class name", nameof(templates));
        Name = name;
        _classNames = classNames;
        _templates = templates;
        _tokenize = tokenize ?? throw new ArgumentNullException(nameof(tokenize));
        _batches = batches ?? throw new ArgumentNullException(nameof(batches));
    }

    public string Name { get; }

    /// <summary>An evaluator over images already in memory ([N, 3, R, R] F32 on the CPU, kept by the caller), cut into batches of <paramref name="batchSize"/>.</summary>
    public static ZeroShotEvaluator FromTensors(string name, Tensor images, int[] labels, IReadOnlyList<string> classNames,
        IReadOnlyList<string> templates, Func<IReadOnlyList<string>, Tensor> tokenize, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (images.Rank != 4 || images.Size(0) != labels.Length)
            throw new ArgumentException($"expected images [N, 3, R, R] with N = {labels.Length} labels, got {ShapeUtil.Format(images.Shape)}");
        return new ZeroShotEvaluator(name, classNames, templates, tokenize, () => Slices(images, labels, batchSize));
    }

    public ZeroShotResult Evaluate(ClipModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var _ = Autograd.NoGrad();
        using var scope = TensorScope.Begin();
        var classifier = ClassEmbeddings(model);
        int samples = 0, top1 = 0, top5 = 0;
        foreach (var batch in _batches())
        {
            using (batch)
            {
                using var batchScope = TensorScope.Begin();
                var features = Ops.L2Normalize(model.EncodeImage(batch.Images.To(model.Device)));
                var scores = Ops.MatMul(features, classifier, transB: true).ToArray();
                var (correct1, correct5) = CountCorrect(scores, _classNames.Count, batch.Labels);
                (samples, top1, top5) = (samples + batch.Labels.Length, top1 + correct1, top5 + correct5);
            }
        }
        if (samples == 0) throw new InvalidOperationException($"zero-shot evaluation \"{Name}\" has no images");
        return new ZeroShotResult(Name, (double)top1 / samples, (double)top5 / samples, samples, _classNames.Count);
    }

    /// <summary>
    /// Images whose label is among the top 1 and top 5 (at most all) classes of their row of scores [N, classes].
    /// A class ranks above the label only when it scores strictly higher; a NaN score for the label is never correct.
    /// </summary>
    internal static (int Top1, int Top5) CountCorrect(float[] scores, int classes, IReadOnlyList<int> labels)
    {
        int top1 = 0, top5 = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            var label = labels[i];
            if ((uint)label >= (uint)classes)
                throw new ArgumentException($"label {label} of image {i} is outside the {classes} classes");
            var row = scores.AsSpan(i * classes, classes);
            var target = row[label];
            if (float.IsNaN(target)) continue;
            var above = 0;
            foreach (var s in row)
                if (s > target) above++;
            if (above < 1) top1++;
            if (above < Math.Min(5, classes)) top5++;
        }
        return (top1, top5);
    }

    /// <summary>[classes, embed_dim]: per class, the normalised mean of its normalised prompt embeddings.</summary>
    private Tensor ClassEmbeddings(ClipModel model)
    {
        var rows = new Tensor[_classNames.Count];
        for (var c = 0; c < rows.Length; c++)
        {
            var prompts = _templates.Select(t => t.Replace("{}", _classNames[c], StringComparison.Ordinal)).ToList();
            var tokens = _tokenize(prompts);
            var embeddings = Ops.L2Normalize(model.EncodeText(tokens));
            rows[c] = Ops.Mean(embeddings, 0, keepDim: true);
        }
        return Ops.L2Normalize(Ops.Concat(rows, 0));
    }

    private static IEnumerable<LabeledBatch> Slices(Tensor images, int[] labels, int batchSize)
    {
        for (var start = 0; start < labels.Length; start += batchSize)
        {
            var count = Math.Min(batchSize, labels.Length - start);
            yield return new LabeledBatch(Ops.Slice(images, 0, start, count), labels[start..(start + count)]);
        }
    }
}
