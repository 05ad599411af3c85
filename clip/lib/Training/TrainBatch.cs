namespace ClipEngine.Clip.Training;

/// <summary>
/// One micro-batch of matching pairs on the CPU: images [B, 3, R, R] F32 (preprocessed and normalised) and their
/// captions' tokens [B, L] I64 (or I32). The trainer owns a batch once it has it and disposes it after use.
/// </summary>
public sealed class TrainBatch : IDisposable
{
    public TrainBatch(Tensor images, Tensor tokens)
    {
        Check(images, tokens);
        Images = images;
        Tokens = tokens;
    }

    public Tensor Images { get; }

    public Tensor Tokens { get; }

    public int Count => Images.Size(0);

    /// <summary>Throws unless the two tensors form a batch as the constructor describes it.</summary>
    internal static void Check(Tensor images, Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(tokens);
        if (images.Rank != 4 || images.Size(1) != 3 || images.Size(2) != images.Size(3) || images.DType != DType.F32)
            throw new ArgumentException($"a training batch's images must be F32 [B, 3, R, R], got {ShapeUtil.Format(images.Shape)} {images.DType}", nameof(images));
        if (tokens.Rank != 2 || tokens.DType is not (DType.I64 or DType.I32))
            throw new ArgumentException($"a training batch's tokens must be I64 or I32 [B, L], got {ShapeUtil.Format(tokens.Shape)} {tokens.DType}", nameof(tokens));
        if (images.Size(0) != tokens.Size(0) || images.Size(0) == 0)
            throw new ArgumentException($"a training batch needs as many captions as images (at least one), got {images.Size(0)} images and {tokens.Size(0)} captions");
    }

    public void Dispose()
    {
        Images.Dispose();
        Tokens.Dispose();
    }
}
