using System.Numerics.Tensors;

namespace ClipEngine.Backends.Cpu;

// Scaled dot-product attention on q [B, H, S, Dh] and k, v [B, H, Sk, Dh], without materialising the S×Sk scores.
// Forward (flash-attention style online softmax): each query row walks its keys in blocks, keeping the running
// max m, the running sum l of exp(s − m) and the output accumulator a; a block with a larger max rescales l and a
// by exp(m_old − m_new). Finally o = a / l and lse = m + log l. Causal: query i sees keys j ≤ i (top-left
// aligned, as PyTorch's is_causal, also when Sk ≠ S).
// Backward from the saved lse, per query row i: P_ij = exp(q_i·k_j·scale − lse_i), D_i = dO_i·O_i,
// dS_ij = P_ij·(dO_i·v_j − D_i); dQ_i = Σ_j dS_ij·k_j·scale, dK_j += dS_ij·q_i·scale, dV_j += P_ij·dO_i.
// Threads: the forward splits the B·H·S query rows (all independent); the backward splits the B·H heads,
// since every query row of a head adds into the same dK and dV. Dh-length products use TensorPrimitives.
public sealed unsafe partial class CpuBackend
{
    /// <summary>Keys per online-softmax step: scores of a block share one max update and one vectorised exp.</summary>
    private const int KeyBlock = 64;

    public void Attention(Tensor q, Tensor k, Tensor v, bool causal, float scale, Tensor o, Tensor lse)
    {
        var (heads, s, sk, dh) = AttentionDims(q, k);
        float* pq = Ptr(q), pk = Ptr(k), pv = Ptr(v), po = Ptr(o), pl = Ptr(lse);
        CpuParallel.For((long)heads * s, 2L * sk * dh, (start, end) =>
        {
            var scores = new float[KeyBlock];
            var acc = new float[dh];
            for (var row = start; row < end; row++)
            {
                var i = (int)(row % s);
                var keyOffset = row / s * sk * dh;
                var qi = new ReadOnlySpan<float>(pq + row * dh, dh);
                var keys = causal ? Math.Min(i + 1, sk) : sk;
                float max = float.NegativeInfinity, sum = 0f;
                Array.Clear(acc);
                for (var j0 = 0; j0 < keys; j0 += KeyBlock)
                {
                    var block = scores.AsSpan(0, Math.Min(KeyBlock, keys - j0));
                    for (var t = 0; t < block.Length; t++)
                        block[t] = TensorPrimitives.Dot(qi, new ReadOnlySpan<float>(pk + keyOffset + (long)(j0 + t) * dh, dh)) * scale;
                    var newMax = MathF.Max(max, TensorPrimitives.Max(block));
                    var rescale = MathF.Exp(max - newMax);
                    TensorPrimitives.Subtract(block, newMax, block);
                    TensorPrimitives.Exp(block, block);
                    sum = sum * rescale + TensorPrimitives.Sum(block);
                    TensorPrimitives.Multiply(acc, rescale, acc);
                    for (var t = 0; t < block.Length; t++)
                        TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(pv + keyOffset + (long)(j0 + t) * dh, dh), block[t], acc, acc);
                    max = newMax;
                }
                TensorPrimitives.Multiply(acc, 1f / sum, new Span<float>(po + row * dh, dh));
                pl[row] = max + MathF.Log(sum);
            }
        });
    }

    public void AttentionBackward(Tensor go, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse, bool causal, float scale, Tensor gq, Tensor gk, Tensor gv)
    {
        var (heads, s, sk, dh) = AttentionDims(q, k);
        float* pgo = Ptr(go), pq = Ptr(q), pk = Ptr(k), pv = Ptr(v), po = Ptr(o), pl = Ptr(lse);
        float* pgq = Ptr(gq), pgk = Ptr(gk), pgv = Ptr(gv);
        CpuParallel.For(heads, 6L * s * sk * dh, (start, end) =>
        {
            var p = new float[KeyBlock];
            var ds = new float[KeyBlock];
            for (var head = start; head < end; head++)
            {
                var keyOffset = head * sk * dh;
                new Span<float>(pgk + keyOffset, sk * dh).Clear();
                new Span<float>(pgv + keyOffset, sk * dh).Clear();
                for (var i = 0; i < s; i++)
                {
                    var row = head * s + i;
                    var qi = new ReadOnlySpan<float>(pq + row * dh, dh);
                    var goi = new ReadOnlySpan<float>(pgo + row * dh, dh);
                    var gqi = new Span<float>(pgq + row * dh, dh);
                    gqi.Clear();
                    var d = TensorPrimitives.Dot(goi, new ReadOnlySpan<float>(po + row * dh, dh));
                    var keys = causal ? Math.Min(i + 1, sk) : sk;
                    for (var j0 = 0; j0 < keys; j0 += KeyBlock)
                    {
                        var n = Math.Min(KeyBlock, keys - j0);
                        var pBlock = p.AsSpan(0, n);
                        var dsBlock = ds.AsSpan(0, n);
                        for (var t = 0; t < n; t++)
                        {
                            var at = keyOffset + (long)(j0 + t) * dh;
                            pBlock[t] = TensorPrimitives.Dot(qi, new ReadOnlySpan<float>(pk + at, dh));
                            dsBlock[t] = TensorPrimitives.Dot(goi, new ReadOnlySpan<float>(pv + at, dh));
                        }
                        TensorPrimitives.Multiply(pBlock, scale, pBlock);
                        TensorPrimitives.Subtract(pBlock, pl[row], pBlock);
                        TensorPrimitives.Exp(pBlock, pBlock);
                        // dS·scale, the factor both dQ and dK carry.
                        TensorPrimitives.Subtract(dsBlock, d, dsBlock);
                        TensorPrimitives.Multiply(dsBlock, pBlock, dsBlock);
                        TensorPrimitives.Multiply(dsBlock, scale, dsBlock);
                        for (var t = 0; t < n; t++)
                        {
                            var at = keyOffset + (long)(j0 + t) * dh;
                            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(pk + at, dh), dsBlock[t], gqi, gqi);
                            var gkj = new Span<float>(pgk + at, dh);
                            TensorPrimitives.MultiplyAdd(qi, dsBlock[t], gkj, gkj);
                            var gvj = new Span<float>(pgv + at, dh);
                            TensorPrimitives.MultiplyAdd(goi, pBlock[t], gvj, gvj);
                        }
                    }
                }
            }
        });
    }

    /// <summary>(B·H, S, Sk, Dh) of an attention call.</summary>
    private static (int Heads, int S, int Sk, int Dh) AttentionDims(Tensor q, Tensor k) =>
        (q.Dims[0] * q.Dims[1], q.Dims[2], k.Dims[2], q.Dims[3]);
}
