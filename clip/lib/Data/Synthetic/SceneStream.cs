namespace ClipEngine.Clip.Data;

/// <summary>
/// One indexed sequence of samples (the training set, or an evaluation split): its own Philox key, the colour × shape
/// pairs its objects are drawn from and its share of two-object scenes. Renders single samples and whole batches;
/// a batch is rendered in parallel, one sample per task, each into its own slice, so it equals a serial render.
/// </summary>
internal sealed class SceneStream
{
    private readonly ShapesOptions _options;
    private readonly ulong _key;
    private readonly IReadOnlyList<(ShapeColor Color, ShapeKind Shape)> _pairs;
    private readonly float _twoObjectFraction;
    private readonly (ShapeColor Color, ShapeKind Shape)[][] _otherColors;

    public SceneStream(ShapesOptions options, ulong stream, IReadOnlyList<(ShapeColor, ShapeKind)> pairs, float twoObjectFraction)
    {
        _options = options;
        _key = SampleRandom.Key(options.Seed, stream);
        _pairs = pairs;
        _twoObjectFraction = twoObjectFraction;
        // The second object of a pair differs in colour, so that each colour word names one object.
        _otherColors = Colors.All.Select(c => pairs.Where(p => p.Item1 != c).ToArray()).ToArray();
    }

    public int ImageElements => 3 * _options.ImageSize * _options.ImageSize;

    public ShapesScene Scene(long index)
    {
        var random = new SampleRandom(_key, index);
        return Scene(ref random);
    }

    public ShapesScene Render(long index, Span<float> image)
    {
        var random = new SampleRandom(_key, index);
        var scene = Scene(ref random);
        var size = _options.ImageSize;
        Rasterizer.Render(scene, image, size, _options.Supersampling, random);
        if (_options.Normalize) Normalize(image, size);
        return scene;
    }

    /// <summary>Renders samples start … start + count − 1 into consecutive [3, R, R] slices, passing each scene to <paramref name="onScene"/>.</summary>
    public unsafe void Render(long start, int count, Span<float> images, Action<int, ShapesScene> onScene)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var elements = ImageElements;
        if (images.Length != (long)count * elements)
            throw new ArgumentException($"images holds {images.Length} floats; {count} images of [3, {_options.ImageSize}, {_options.ImageSize}] need {(long)count * elements}", nameof(images));
        fixed (float* pointer = images)
        {
            var address = (nint)pointer;
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = _options.MaxDegreeOfParallelism }, i =>
                onScene(i, Render(start + i, new Span<float>((float*)address + (long)i * elements, elements))));
        }
    }

    private ShapesScene Scene(ref SampleRandom random)
    {
        var background = SceneLayout.Background(ref random);
        var maxRotation = _options.MaxRotationDegrees;
        var first = random.Pick(_pairs);
        ShapeObject[] objects;
        if (random.Chance(_twoObjectFraction))
        {
            var second = random.Pick(_otherColors[(int)first.Color]);
            var vertical = random.Chance(0.5f);
            objects =
            [
                SceneLayout.Object(ref random, first, vertical ? Placement.Top : Placement.Left, maxRotation, paired: true),
                SceneLayout.Object(ref random, second, vertical ? Placement.Bottom : Placement.Right, maxRotation, paired: true),
            ];
        }
        else
        {
            var placement = random.Pick(SceneLayout.SinglePlacements);
            objects = [SceneLayout.Object(ref random, first, placement, maxRotation, paired: false)];
        }
        return new ShapesScene(objects, background, CaptionGrammar.Caption(objects, ref random));
    }

    /// <summary>(v − mean) / std per channel, exactly as torchvision's Normalize.</summary>
    private static void Normalize(Span<float> image, int size)
    {
        var plane = size * size;
        for (var c = 0; c < 3; c++)
        {
            float mean = ShapesDataset.Mean[c], std = ShapesDataset.Std[c];
            foreach (ref var v in image.Slice(c * plane, plane)) v = (v - mean) / std;
        }
    }
}
