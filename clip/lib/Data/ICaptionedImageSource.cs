namespace ClipEngine.Clip.Data;

/// <summary>
/// A dataset of image–caption pairs read one epoch at a time, in an order fixed by (seed, epoch), so that any
/// position in it can be reached again for resume.
/// </summary>
public interface ICaptionedImageSource
{
    /// <summary>
    /// The samples of <paramref name="epoch"/> in order, with indices counting from 0, starting after the first
    /// <paramref name="skip"/>. The same (seed, epoch) gives the same sequence every time. May be infinite
    /// (resampled WebDataset without a sample count).
    /// </summary>
    IEnumerable<CaptionedImage> ReadEpoch(ulong seed, int epoch, long skip, CancellationToken cancellationToken = default);

    /// <summary>Samples read and skipped; the loader adds its decode failures and deliveries here.</summary>
    DataCounters Counters { get; }
}
