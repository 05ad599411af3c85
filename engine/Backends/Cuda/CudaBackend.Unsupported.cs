namespace ClipEngine.Backends.Cuda;

// Which ops have kernels, and every op that has none yet.
public sealed partial class CudaBackend
{
    /// <summary>The <see cref="IBackend"/> methods this backend implements.</summary>
    public static IReadOnlyList<string> SupportedOps { get; } =
    [
        nameof(Allocate), nameof(CopyFromHost), nameof(CopyToHost), nameof(Copy), nameof(CopyBlocks),
        nameof(Fill), nameof(Cast), nameof(Binary), nameof(Reduce),
        nameof(LayerNorm), nameof(LayerNormBackward), nameof(Softmax), nameof(SoftmaxBackward),
        nameof(L2Normalize), nameof(L2NormalizeBackward), nameof(Attention), nameof(AttentionBackward),
        nameof(CrossEntropy), nameof(CrossEntropyBackward), nameof(ContrastiveLoss), nameof(ContrastiveLossBackward),
    ];

    /// <summary>The <see cref="IBackend"/> methods that throw <see cref="NotSupportedException"/> until they get a kernel.</summary>
    public static IReadOnlyList<string> MissingOps { get; } =
        [.. typeof(IBackend).GetMethods().Where(m => !m.IsSpecialName).Select(m => m.Name).Except(SupportedOps).Order(StringComparer.Ordinal)];

    public void FillRandom(Tensor tensor, RandomDistribution distribution, ulong seed, ulong offset, float a, float b) => throw NoKernel();

    public void Unary(UnaryOp op, Tensor x, Tensor y) => throw NoKernel();

    public void UnaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor gy, Tensor gx) => throw NoKernel();

    public void Scalar(ScalarOp op, Tensor x, float s, Tensor y) => throw NoKernel();

    public void ScatterAlongAxis(Tensor values, Tensor indices, int outer, int n, int inner, Tensor destination) => throw NoKernel();

    public void Broadcast(Tensor x, Tensor y) => throw NoKernel();

    public void Permute(Tensor x, int[] perm, Tensor y) => throw NoKernel();

    public void GatherRows(Tensor table, Tensor indices, Tensor y) => throw NoKernel();

    public void ScatterAddRows(Tensor gy, Tensor indices, Tensor gTable) => throw NoKernel();

    public void Gemm(in GemmShape shape, float alpha, Tensor a, Tensor b, float beta, Tensor c) => throw NoKernel();

    public void Im2Patches(Tensor images, int patch, Tensor patches) => throw NoKernel();

    public void Patches2Im(Tensor patches, int patch, Tensor images) => throw NoKernel();

    public void AdamWStep(Tensor param, Tensor grad, Tensor m, Tensor v, in AdamWStepArgs args) => throw NoKernel();
}
