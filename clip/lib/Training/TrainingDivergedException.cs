namespace ClipEngine.Clip.Training;

/// <summary>Training stopped because too many steps in a row had a NaN or infinite loss or gradient.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
