namespace ClipEngine.Backends;

/// <summary>
/// What a device must provide: one method per op (forward and, where it has one, backward), each free to be
/// implemented that device's best way. Ops in <see cref="Ops"/> validate shapes, allocate outputs and record
/// the graph, so a backend only computes: every tensor it receives is contiguous, on its device, and of the
/// dtype the op documents (F32 unless stated). Backends know nothing about autograd.
/// </summary>
public interface IBackend
{
    Device Device { get; }

    /// <summary>
    /// Whether this backend keeps activations in BF16, which <see cref="Autocast"/> then uses. Where true, these ops
    /// also take BF16 tensors, with the math in fp32 registers and each BF16 result rounded once (nearest-even):
    /// <see cref="Gemm"/> (BF16 A and B; C F32 or BF16); <see cref="Unary"/>, <see cref="UnaryBackward"/> and
    /// <see cref="Scalar"/> (every tensor of a call one dtype, F32 or BF16); <see cref="Binary"/> (a and b each F32 or
    /// BF16, c BF16 when both are, else F32); <see cref="Attention"/> and <see cref="AttentionBackward"/> (q, k, v, o,
    /// go, gq, gk, gv one dtype, F32 or BF16; lse always F32). The bit-moving ops (copies, permutes, broadcasts) take
    /// any dtype on every backend. Every other op is F32 only: the ops layer widens BF16 inputs for it.
    /// </summary>
    bool SupportsBf16 { get; }

    // ---- memory ----
    Storage Allocate(long byteLength);

    void CopyFromHost(ReadOnlySpan<byte> source, Tensor destination);

    void CopyToHost(Tensor source, Span<byte> destination);

    /// <summary>Copies count elements (any dtype, same on both sides) between two tensors of this device.</summary>
    void Copy(Tensor source, long sourceOffset, Tensor destination, long destinationOffset, long count);

    /// <summary>Sets every element to <paramref name="value"/> (converted to the tensor's dtype).</summary>
    void Fill(Tensor tensor, double value);

    /// <summary>Element-wise dtype conversion; floats round to nearest-even, floats to ints truncate.</summary>
    void Cast(Tensor source, Tensor destination);

    /// <summary>Fills with seeded random numbers; see <see cref="Generator"/> for the exact stream.</summary>
    void FillRandom(Tensor tensor, RandomDistribution distribution, ulong seed, ulong offset, float a, float b);

    // ---- element-wise ----
    /// <summary>y = f(x); x and y may be the same tensor.</summary>
    void Unary(UnaryOp op, Tensor x, Tensor y);

    /// <summary>gx = gy · f'(x), given x and y = f(x).</summary>
    void UnaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor gy, Tensor gx);

    /// <summary>y = x ∘ s for a scalar s; x and y may be the same tensor.</summary>
    void Scalar(ScalarOp op, Tensor x, float s, Tensor y);

    /// <summary>c = a ∘ b where a and b broadcast (PyTorch rules) to c's shape; c may be a or b when shapes equal.</summary>
    void Binary(BinaryOp op, Tensor a, Tensor b, Tensor c);

    // ---- reductions and data movement ----
    /// <summary>
    /// Reduces the middle axis of x viewed as [outer, n, inner] into y [outer, inner]. Max and ArgMax also
    /// write the I64 position of the (first) maximum into <paramref name="indices"/> when given.
    /// </summary>
    void Reduce(ReduceOp op, Tensor x, int outer, int n, int inner, Tensor y, Tensor? indices);

    /// <summary>
    /// The adjoint of a Max reduction: destination [outer, n, inner] becomes zero except
    /// destination[o, indices[o, i], i] = values[o, i] (indices I64).
    /// </summary>
    void ScatterAlongAxis(Tensor values, Tensor indices, int outer, int n, int inner, Tensor destination);

    /// <summary>y = x broadcast (PyTorch rules) to y's shape.</summary>
    void Broadcast(Tensor x, Tensor y);

    /// <summary>y = x.permute(perm), materialised.</summary>
    void Permute(Tensor x, int[] perm, Tensor y);

    /// <summary>
    /// count blocks of blockLength elements: block i goes from source[sourceOffset + i·sourceStride] to
    /// destination[destinationOffset + i·destinationStride]. Slices, concatenation and stacking are made of this.
    /// </summary>
    void CopyBlocks(Tensor source, long sourceOffset, long sourceStride, Tensor destination, long destinationOffset, long destinationStride, long blockLength, long count);

    /// <summary>y[i, :] = table[indices[i], :]; indices I32 or I64, each checked against the table's row count.</summary>
    void GatherRows(Tensor table, Tensor indices, Tensor y);

    /// <summary>gTable[indices[i], :] += gy[i, :] (repeated indices add up).</summary>
    void ScatterAddRows(Tensor gy, Tensor indices, Tensor gTable);

    // ---- linear algebra ----
    /// <summary>
    /// Strided batched row-major GEMM: C = alpha · op(A) · op(B) + beta · C (beta = 0: C is write-only), accumulated
    /// in fp32. A, B and C are F32; where <see cref="SupportsBf16"/>, A and B may both be BF16, with C F32 or BF16.
    /// </summary>
    void Gemm(in GemmShape shape, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    // ---- fused neural-network ops ----
    /// <summary>Rows of x [rows, d] normalised: y = (x − mean) · rstd · w + b; saves mean and rstd [rows].</summary>
    void LayerNorm(Tensor x, Tensor? weight, Tensor? bias, float eps, Tensor y, Tensor mean, Tensor rstd);

    /// <summary>gx from gy; gWeight and gBias (when given) are overwritten, not accumulated.</summary>
    void LayerNormBackward(Tensor gy, Tensor x, Tensor? weight, Tensor mean, Tensor rstd, Tensor gx, Tensor? gWeight, Tensor? gBias);

    /// <summary>Softmax (or log-softmax) of each row of x [rows, n].</summary>
    void Softmax(Tensor x, Tensor y, bool log);

    /// <summary>gx from gy and the forward's output y.</summary>
    void SoftmaxBackward(Tensor gy, Tensor y, Tensor gx, bool log);

    /// <summary>Each row of x [rows, d] divided by max(‖row‖₂, eps); saves the norms [rows].</summary>
    void L2Normalize(Tensor x, float eps, Tensor y, Tensor norms);

    void L2NormalizeBackward(Tensor gy, Tensor y, Tensor norms, float eps, Tensor gx);

    /// <summary>
    /// Scaled dot-product attention on q, k, v [B, H, S, Dh] (k, v may have their own length): o = softmax(q·kᵀ·scale
    /// [+ causal mask]) · v, and lse [B, H, S] = the log-sum-exp of each score row, saved for backward.
    /// </summary>
    void Attention(Tensor q, Tensor k, Tensor v, bool causal, float scale, Tensor o, Tensor lse);

    void AttentionBackward(Tensor go, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse, bool causal, float scale, Tensor gq, Tensor gk, Tensor gv);

    /// <summary>Mean cross-entropy of logits [N, C] against targets [N] (I64); loss is a scalar; saves lse [N].</summary>
    void CrossEntropy(Tensor logits, Tensor targets, Tensor loss, Tensor lse);

    /// <summary>gLogits = gLoss · (softmax − onehot) / N.</summary>
    void CrossEntropyBackward(Tensor gLoss, Tensor logits, Tensor targets, Tensor lse, Tensor gLogits);

    /// <summary>
    /// CLIP's symmetric loss on logits [N, N]: (CE(logits, arange) + CE(logitsᵀ, arange)) / 2; saves the row and
    /// column log-sum-exps [N].
    /// </summary>
    void ContrastiveLoss(Tensor logits, Tensor loss, Tensor rowLse, Tensor columnLse);

    void ContrastiveLossBackward(Tensor gLoss, Tensor logits, Tensor rowLse, Tensor columnLse, Tensor gLogits);

    /// <summary>Non-overlapping p×p patches of images [B, C, H, W] into rows [B, (H/p)(W/p), C·p·p] (conv weight order c, ky, kx).</summary>
    void Im2Patches(Tensor images, int patch, Tensor patches);

    /// <summary>The adjoint of <see cref="Im2Patches"/>: scatters patch rows back into images (overwrites).</summary>
    void Patches2Im(Tensor patches, int patch, Tensor images);

    // ---- optimizer ----
    /// <summary>One AdamW update of param in place, with moments m and v (all F32, same shape as grad).</summary>
    void AdamWStep(Tensor param, Tensor grad, Tensor m, Tensor v, in AdamWStepArgs args);
}

/// <summary>Shape of a strided batched row-major GEMM (see <see cref="IBackend.Gemm"/>); strides in elements, 0 = broadcast.</summary>
public readonly record struct GemmShape(
    bool TransA, bool TransB, int M, int N, int K, int Lda, int Ldb, int Ldc,
    long StrideA = 0, long StrideB = 0, long StrideC = 0, int Batch = 1);

/// <summary>
/// One AdamW step: p ← p − lr·wd·p, then p ← p − lr · m̂ / (√v̂ + eps) with bias corrections for <see cref="Step"/>
/// (1-based); the gradient is multiplied by <see cref="GradScale"/> first (global-norm clipping folded in).
/// Hyperparameters are doubles, as PyTorch holds them: 1 − β₂ from a float β₂ = 0.999f is off by 1.3e-5 relative.
/// </summary>
public readonly record struct AdamWStepArgs(double Lr, double Beta1, double Beta2, double Eps, double WeightDecay, int Step, float GradScale = 1f);

public enum UnaryOp
{
    Neg,
    Exp,
    Log,
    Sqrt,
    Rsqrt,
    Sigmoid,
    Tanh,
    Relu,

    /// <summary>x·Φ(x) with the exact erf.</summary>
    Gelu,

    /// <summary>PyTorch's approximate='tanh' GELU.</summary>
    GeluTanh,

    /// <summary>x·σ(1.702x), OpenAI CLIP's activation.</summary>
    QuickGelu,
}

public enum ScalarOp
{
    Add,
    Mul,

    /// <summary>x to the power s.</summary>
    Pow,

    /// <summary>s − x.</summary>
    RSub,

    /// <summary>s / x.</summary>
    RDiv,

    /// <summary>max(x, s).</summary>
    ClampMin,

    /// <summary>min(x, s).</summary>
    ClampMax,
}

public enum BinaryOp
{
    Add,
    Sub,
    Mul,
    Div,

    /// <summary>a to the power b.</summary>
    Pow,
}

public enum ReduceOp
{
    Sum,
    Mean,
    Max,
    ArgMax,
}

public enum RandomDistribution
{
    /// <summary>Uniform in [a, b).</summary>
    Uniform,

    /// <summary>Normal with mean a and standard deviation b.</summary>
    Normal,
}
