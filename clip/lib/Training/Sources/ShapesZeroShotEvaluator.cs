using ClipEngine.Clip.Data;

namespace ClipEngine.Clip.Training;

/// <summary>
/// Zero-shot accuracy on the built-in dataset among all 64 colour × shape classes, measured on two fixed sets of
/// single-object images that no training sample is: one of the held-out pairs (the result <see cref="Evaluate"/>
/// returns — it measures composition) and one of the pairs seen in training (<see cref="LastSeen"/>, reported beside
/// it). Prompts are the dataset's templates with the class name and its article ("a photo of an orange star.").
/// </summary>
public sealed class ShapesZeroShotEvaluator : IZeroShotEvaluator, IDisposable
{
    public const int DefaultImagesPerSet = 512;

    public const string HeldOutName = "shapes held-out pairs";

    public const string SeenName = "shapes seen pairs";

    private readonly Tensor _heldOutImages;
    private readonly Tensor _seenImages;
    private readonly ZeroShotEvaluator _heldOut;
    private readonly ZeroShotEvaluator _seen;

    /// <param name="tokenize">Prompts → tokens [N, L], as the model was trained with.</param>
    public ShapesZeroShotEvaluator(ShapesDataset dataset, Func<IReadOnlyList<string>, Tensor> tokenize, int imagesPerSet = DefaultImagesPerSet, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(tokenize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imagesPerSet);
        var zeroShot = dataset.ZeroShot;
        ChanceLevel = zeroShot.ChanceLevel;
        // The templates' "{}" takes the name with its article, so the class names handed on carry it.
        var classNames = Enumerable.Range(0, zeroShot.ClassCount).Select(c => zeroShot.Prompt("{}", c)).ToArray();
        var heldOut = zeroShot.EvalSet(heldOut: true, imagesPerSet);
        var seen = zeroShot.EvalSet(heldOut: false, imagesPerSet);
        _heldOutImages = heldOut.ImagesTensor();
        _seenImages = seen.ImagesTensor();
        _heldOut = ZeroShotEvaluator.FromTensors(HeldOutName, _heldOutImages, heldOut.Labels, classNames, zeroShot.Templates, tokenize, batchSize);
        _seen = ZeroShotEvaluator.FromTensors(SeenName, _seenImages, seen.Labels, classNames, zeroShot.Templates, tokenize, batchSize);
    }

    public string Name => HeldOutName;

    /// <summary>Top-1 accuracy of a uniform guess among the 64 classes.</summary>
    public double ChanceLevel { get; }

    /// <summary>The seen pairs' result of the last <see cref="Evaluate"/>; null before it.</summary>
    public ZeroShotResult? LastSeen { get; private set; }

    /// <summary>The held-out pairs' accuracy; the seen pairs' is measured too and kept in <see cref="LastSeen"/>.</summary>
    public ZeroShotResult Evaluate(ClipModel model)
    {
        LastSeen = _seen.Evaluate(model);
        return _heldOut.Evaluate(model);
    }

    public void Dispose()
    {
        _heldOutImages.Dispose();
        _seenImages.Dispose();
    }
}
