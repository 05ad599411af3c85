namespace ClipEngine.Clip.Training;

/// <summary>
/// One optimizer step: its number (1-based), the loss of its forward pass over the whole effective batch, the
/// learning rate it used, logit_scale after it, the gradients' global norm before clipping, and whether it was
/// skipped because the loss or a gradient was NaN or infinite.
/// </summary>
public sealed record StepResult(long Step, float Loss, double Lr, float LogitScale, float GradNorm, bool Skipped);
