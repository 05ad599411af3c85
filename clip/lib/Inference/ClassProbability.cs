namespace ClipEngine.Clip;

/// <summary>One class's share of an image in zero-shot classification: softmax over the classes of exp(logit_scale)·cosine.</summary>
public readonly record struct ClassProbability(int ClassIndex, string ClassName, double Probability);
