namespace ClipEngine.Clip.Training;

/// <summary>Measures a model's zero-shot accuracy on one evaluation set; the trainer calls it every few steps.</summary>
public interface IZeroShotEvaluator
{
    string Name { get; }

    /// <summary>Evaluates without changing the model (no gradients, no parameter updates).</summary>
    ZeroShotResult Evaluate(ClipModel model);
}
