namespace ClipEngine.Bench.Cuda;

/// <summary>
/// The sizes the benchmarks run at. <see cref="Full"/> is one CLIP ViT-B/32 training batch of 256 image-text pairs
/// (images: 50 tokens of width 768, 12 heads; text: 77 tokens of width 512, 8 heads; MLPs 4x wide; head size 64), the
/// contrastive logits of a 4096 batch, the ~150M parameters of the whole model, and streams of 1 GiB for the pure
/// bandwidth tests, far beyond any L2. <see cref="Quick"/> keeps every shape's structure at a size the emulated driver
/// runs in seconds.
/// </summary>
public sealed record CudaBenchSizes(int Batch, int StreamElements, int ContrastiveBatch, int AdamWParameters, int SquareGemm)
{
    public const int ImageTokens = 50;
    public const int ImageWidth = 768;
    public const int ImageHeads = 12;
    public const int TextTokens = 77;
    public const int TextWidth = 512;
    public const int TextHeads = 8;
    public const int HeadSize = 64;
    public const int MlpRatio = 4;

    public static readonly CudaBenchSizes Full = new(256, 1 << 28, 4096, 150_000_000, 4096);

    public static readonly CudaBenchSizes Quick = new(2, 1 << 16, 128, 1 << 16, 128);

    /// <summary>Image tokens in a batch: the rows of every ViT activation.</summary>
    public int ImageRows => Batch * ImageTokens;

    public int TextRows => Batch * TextTokens;
}
