namespace ClipEngine.Clip.Training;

/// <summary>Evaluation images [B, 3, R, R] F32 on the CPU with their class indices; disposed by whoever consumes it.</summary>
public sealed class LabeledBatch : IDisposable
{
    public LabeledBatch(Tensor images, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.Rank != 4 || images.Size(1) != 3 || images.DType != DType.F32 || images.Size(0) != labels.Length)
            throw new ArgumentException($"expected F32 images [B, 3, R, R] with B = {labels.Length} labels, got {ShapeUtil.Format(images.Shape)} {images.DType}");
        Images = images;
        Labels = labels;
    }

    public Tensor Images { get; }

    public int[] Labels { get; }

    public void Dispose() => Images.Dispose();
}
