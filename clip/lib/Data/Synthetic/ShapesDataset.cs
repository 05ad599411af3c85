namespace ClipEngine.Clip.Data;

/// <summary>
/// The built-in image–caption dataset: procedurally generated scenes of one or two coloured shapes on a tinted,
/// noisy background, with a caption from <see cref="CaptionGrammar"/>, made on the fly from a seed (nothing is
/// stored). Sample i is a pure function of (<see cref="ShapesOptions"/>, i), the same on every machine and however
/// many threads render it. Training samples never show a pair in <see cref="HeldOutPairs"/>; <see cref="ZeroShot"/>
/// evaluates on them.
/// </summary>
public sealed class ShapesDataset
{
    /// <summary>Per-channel RGB mean and std of OpenAI's CLIP preprocessing.</summary>
    public static IReadOnlyList<float> Mean => ImagePreprocessor.OpenAIDatasetMean;

    public static IReadOnlyList<float> Std => ImagePreprocessor.OpenAIDatasetStd;

    private readonly SceneStream _training;

    public ShapesDataset(ShapesOptions? options = null)
    {
        Options = (options ?? new ShapesOptions()).Validate();
        _training = new SceneStream(Options, stream: 0, HeldOutPairs.Seen, Options.TwoObjectFraction);
        ZeroShot = new ShapesZeroShot(Options);
    }

    public ShapesOptions Options { get; }

    public int ImageSize => Options.ImageSize;

    public ShapesZeroShot ZeroShot { get; }

    /// <summary>Sample <paramref name="index"/>'s content and caption, without rendering it.</summary>
    public ShapesScene Scene(long index) => _training.Scene(index);

    public ShapesSample Get(long index)
    {
        var image = new float[_training.ImageElements];
        return new ShapesSample(image, _training.Render(index, image));
    }

    /// <summary>Renders samples start … start + count − 1 into <paramref name="images"/> ([count, 3, R, R]) and their captions.</summary>
    public void FillBatch(long start, int count, Span<float> images, string[] captions)
    {
        if (captions.Length != count) throw new ArgumentException($"captions holds {captions.Length} strings for {count} samples", nameof(captions));
        _training.Render(start, count, images, (i, scene) => captions[i] = scene.Caption);
    }

    /// <summary>Samples start … start + count − 1 as an image tensor [count, 3, R, R] on <paramref name="device"/> and their captions.</summary>
    public (Tensor Images, string[] Captions) GetBatch(long start, int count, Device? device = null)
    {
        var images = new float[(long)count * _training.ImageElements];
        var captions = new string[count];
        FillBatch(start, count, images, captions);
        return (Tensor.FromSpan<float>(images, [count, 3, ImageSize, ImageSize], DType.F32, device), captions);
    }

    /// <summary>The captions of samples 0 … count − 1 (cheap: nothing is rendered), to train a tokenizer's vocabulary on.</summary>
    public IEnumerable<string> CaptionCorpus(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (var i = 0; i < count; i++) yield return _training.Scene(i).Caption;
    }
}
