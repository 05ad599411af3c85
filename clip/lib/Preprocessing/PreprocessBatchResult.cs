namespace ClipEngine.Clip;

/// <summary>What became of one file of a batch: its row in <see cref="PreprocessBatchResult.Images"/>, or the error.</summary>
public sealed record ImageFileResult(string Path, int? BatchIndex, ImageLoadException? Error)
{
    public bool Succeeded => Error is null;
}

/// <summary>
/// The images that decoded, stacked [n, 3, R, R] in input order, and one result per input path saying
/// which row it became or why it failed. Owns the tensor.
/// </summary>
public sealed class PreprocessBatchResult(Tensor images, IReadOnlyList<ImageFileResult> files) : IDisposable
{
    public Tensor Images { get; } = images;

    /// <summary>One entry per input path, in input order.</summary>
    public IReadOnlyList<ImageFileResult> Files { get; } = files;

    public IReadOnlyList<ImageLoadException> Errors => [.. Files.Where(f => f.Error is not null).Select(f => f.Error!)];

    public void Dispose() => Images.Dispose();
}
