namespace ClipEngine.Backends.Cuda;

// Which ops have kernels, and every op that has none yet.
public sealed partial class CudaBackend
{
    /// <summary>The <see cref="IBackend"/> methods this backend implements.</summary>
    public static IReadOnlyList<string> SupportedOps { get; } =
    [
        nameof(Allocate), nameof(CopyFromHost), nameof(CopyToHost), nameof(Copy), nameof(CopyBlocks),
        nameof(Fill), nameof(Cast), nameof(Binary), nameof(Reduce),
        nameof(Gemm), nameof(Unary), nameof(UnaryBackward), nameof(Scalar), nameof(Broadcast), nameof(Permute),
        nameof(GatherRows), nameof(ScatterAddRows), nameof(ScatterAlongAxis), nameof(Im2Patches), nameof(Patches2Im),
        nameof(AdamWStep), nameof(FillRandom),
    ];

    /// <summary>The <see cref="IBackend"/> methods that throw <see cref="NotSupportedException"/> until they get a kernel.</summary>
    public static IReadOnlyList<string> MissingOps { get; } =
        [.. typeof(IBackend).GetMethods().Where(m => !m.IsSpecialName).Select(m => m.Name).Except(SupportedOps).Order(StringComparer.Ordinal)];

    public void LayerNorm(Tensor x, Tensor? weight, Tensor? bias, float eps, Tensor y, Tensor mean, Tensor rstd) => throw NoKernel();

    public void LayerNormBackward(Tensor gy, Tensor x, Tensor? weight, Tensor mean, Tensor rstd, Tensor gx, Tensor? gWeight, Tensor? gBias) => throw NoKernel();

    public void Softmax(Tensor x, Tensor y, bool log) => throw NoKernel();

    public void SoftmaxBackward(Tensor gy, Tensor y, Tensor gx, bool log) => throw NoKernel();

    public void L2Normalize(Tensor x, float eps, Tensor y, Tensor norms) => throw NoKernel();

    public void L2NormalizeBackward(Tensor gy, Tensor y, Tensor norms, float eps, Tensor gx) => throw NoKernel();

    public void Attention(Tensor q, Tensor k, Tensor v, bool causal, float scale, Tensor o, Tensor lse) => throw NoKernel();

    public void AttentionBackward(Tensor go, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse, bool causal, float scale, Tensor gq, Tensor gk, Tensor gv) => throw NoKernel();

    public void CrossEntropy(Tensor logits, Tensor targets, Tensor loss, Tensor lse) => throw NoKernel();

    public void CrossEntropyBackward(Tensor gLoss, Tensor logits, Tensor targets, Tensor lse, Tensor gLogits) => throw NoKernel();

    public void ContrastiveLoss(Tensor logits, Tensor loss, Tensor rowLse, Tensor columnLse) => throw NoKernel();

    public void ContrastiveLossBackward(Tensor gLoss, Tensor logits, Tensor rowLse, Tensor columnLse, Tensor gLogits) => throw NoKernel();
}
