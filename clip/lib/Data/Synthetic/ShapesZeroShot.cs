namespace ClipEngine.Clip.Data;

/// <summary>
/// Zero-shot classification on the built-in dataset: one class per colour × shape pair (64, indexed colour-major:
/// <see cref="ClassIndex"/>), each described by prompts made from <see cref="Templates"/>. The evaluation sets hold
/// single-object images of either the held-out pairs only or the seen pairs only, drawn from their own random
/// streams (never the training images); a classifier picks among all 64 classes either way, so the chance level is
/// 1/64 and accuracy on the held-out set measures composition, not memorisation.
/// </summary>
public sealed class ShapesZeroShot
{
    private const ulong SeenStream = 1, HeldOutStream = 2;

    private readonly SceneStream _seen, _heldOut;

    internal ShapesZeroShot(ShapesOptions options)
    {
        _seen = new SceneStream(options, SeenStream, HeldOutPairs.Seen, twoObjectFraction: 0);
        _heldOut = new SceneStream(options, HeldOutStream, HeldOutPairs.All, twoObjectFraction: 0);
        ImageSize = options.ImageSize;
    }

    public int ImageSize { get; }

    private static readonly (ShapeColor Color, ShapeKind Shape)[] AllClasses =
        Colors.All.SelectMany(c => Shapes.All.Select(s => (c, s))).ToArray();

    private static readonly string[] AllClassNames = AllClasses.Select(p => $"{Colors.Name(p.Color)} {Shapes.Name(p.Shape)}").ToArray();

    public IReadOnlyList<(ShapeColor Color, ShapeKind Shape)> Classes => AllClasses;

    public int ClassCount => AllClasses.Length;

    /// <summary>"red circle", "red square", …, in class order.</summary>
    public IReadOnlyList<string> ClassNames => AllClassNames;

    public IReadOnlyList<int> HeldOutClasses { get; } = HeldOutPairs.All.Select(p => ClassIndex(p.Color, p.Shape)).Order().ToArray();

    public IReadOnlyList<int> SeenClasses { get; } = HeldOutPairs.Seen.Select(p => ClassIndex(p.Color, p.Shape)).ToArray();

    /// <summary>Top-1 accuracy of a uniform guess among all classes.</summary>
    public double ChanceLevel => 1.0 / ClassCount;

    /// <summary>Prompt templates; "{}" stands for the class name with its article ("a red circle", "an orange star").</summary>
    public IReadOnlyList<string> Templates { get; } = ["a photo of {}.", "a picture of {}.", "{}.", "there is {}."];

    public static int ClassIndex(ShapeColor color, ShapeKind shape) => (int)color * Shapes.All.Count + (int)shape;

    public string Prompt(string template, int classIndex) =>
        template.Replace("{}", CaptionGrammar.WithArticle(AllClassNames[classIndex]), StringComparison.Ordinal);

    /// <summary>The prompts of one class, one per template, whose text embeddings are averaged into its classifier weight.</summary>
    public IReadOnlyList<string> Prompts(int classIndex) => Templates.Select(t => Prompt(t, classIndex)).ToArray();

    /// <summary>
    /// The first <paramref name="count"/> single-object images of the held-out (or the seen) pairs, uniform over those
    /// pairs, with their class indices.
    /// </summary>
    public ShapesEvalSet EvalSet(bool heldOut, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var stream = heldOut ? _heldOut : _seen;
        var images = new float[(long)count * stream.ImageElements];
        var labels = new int[count];
        stream.Render(0, count, images, (i, scene) => labels[i] = ClassIndex(scene.Objects[0].Color, scene.Objects[0].Shape));
        return new ShapesEvalSet(images, labels, ImageSize);
    }
}

/// <summary>Evaluation images [Count, 3, R, R] (normalised as the dataset's options say) and their class indices.</summary>
public sealed record ShapesEvalSet(float[] Images, int[] Labels, int ImageSize)
{
    public int Count => Labels.Length;

    public Tensor ImagesTensor(Device? device = null) => Tensor.FromSpan<float>(Images, [Count, 3, ImageSize, ImageSize], DType.F32, device);
}
