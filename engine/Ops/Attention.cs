namespace ClipEngine;

// Scaled dot-product attention as one op: the backend never materialises the S×Sk score matrix, saving only the
// log-sum-exp of each score row, from which the backward recomputes the probabilities. It keeps BF16 q, k and v
// (IBackend.SupportsBf16), as torch.autocast runs scaled_dot_product_attention in lower precision.
public static partial class Ops
{
    /// <summary>
    /// softmax(q·kᵀ·scale) · v for q [B, H, S, Dh] and k, v [B, H, Sk, Dh] (F.scaled_dot_product_attention);
    /// scale defaults to 1/√Dh. With <paramref name="causal"/>, query i attends to keys j ≤ i only — aligned at
    /// the top-left as PyTorch's is_causal, so when Sk ≠ S query i still sees keys 0..i.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, bool causal = false, float? scale = null)
    {
        const string op = "ScaledDotProductAttention";
        // BF16 kernels take q, k and v all BF16; any other mixture computes in F32.
        var keepBf16 = q.DType == DType.BF16 && k.DType == DType.BF16 && v.DType == DType.BF16 && q.Backend.SupportsBf16;
        if (!keepBf16) (q, k, v) = (Fp32(q, op), Fp32(k, op), Fp32(v, op));
        foreach (var t in new[] { q, k, v })
        {
            CheckSameDevice(q, t, op);
            if (t.Rank != 4) throw new ArgumentException($"{op} expects q, k and v of rank 4 [B, H, S, Dh]; got q {ShapeUtil.Format(q.Dims)}, k {ShapeUtil.Format(k.Dims)}, v {ShapeUtil.Format(v.Dims)}");
        }
        if (!k.Dims.AsSpan().SequenceEqual(v.Dims))
            throw new ArgumentException($"{op}: k {ShapeUtil.Format(k.Dims)} and v {ShapeUtil.Format(v.Dims)} must have the same shape");
        if (q.Dims[0] != k.Dims[0] || q.Dims[1] != k.Dims[1] || q.Dims[3] != k.Dims[3])
            throw new ArgumentException($"{op}: q {ShapeUtil.Format(q.Dims)} and k {ShapeUtil.Format(k.Dims)} must agree in batch, heads and head size (dimensions 0, 1 and 3)");
        if (k.Dims[2] == 0)
            throw new ArgumentException($"{op}: k and v {ShapeUtil.Format(k.Dims)} have no keys, so the softmax over keys is undefined");
        var s = scale ?? 1f / MathF.Sqrt(q.Dims[3]);
        var o = q.NewEmpty(q.Dims);
        var lse = q.NewEmpty(q.Dims[..3], DType.F32);
        q.Backend.Attention(q, k, v, causal, s, o, lse);
        if (Autograd.Needs(q, k, v)) return Autograd.Record(o, new AttentionNode(q, k, v, o, lse, causal, s));
        lse.Dispose();
        return o;
    }

    private sealed class AttentionNode(Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse, bool causal, float scale) : GradNode(q, k, v)
    {
        public override string Name => "ScaledDotProductAttentionBackward";

        protected internal override Tensor?[] Backward(Tensor g)
        {
            var gq = q.NewEmpty(q.Dims);
            var gk = k.NewEmpty(k.Dims);
            var gv = v.NewEmpty(v.Dims);
            q.Backend.AttentionBackward(g, q, k, v, o, lse, causal, scale, gq, gk, gv);
            return [gq, gk, gv];
        }

        protected override void ReleaseSaved() => lse.Dispose();
    }
}
