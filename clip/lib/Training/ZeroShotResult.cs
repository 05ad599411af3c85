namespace ClipEngine.Clip.Training;

/// <summary>Zero-shot classification accuracy (fractions in [0, 1]) of one evaluation set.</summary>
public sealed record ZeroShotResult(string Name, double Top1, double Top5, int Samples, int Classes);
