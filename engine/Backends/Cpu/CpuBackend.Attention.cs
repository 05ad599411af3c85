using System.Numerics.Tensors;

namespace ClipEngine.Backends.Cpu;

// Scaled dot-product attention on q [B, H, S, Dh] and k, v [B, H, Sk, Dh], with the products done by the SGEMM.
// Each head's query rows go in blocks of at most QueryBlock rows (split evenly: 65 rows are one block, 200 are two
// of 100), so the scores held at once are [block, Sk] in a per-thread buffer, never the whole S×Sk per head.
// Forward per block: S = scale·Qb·Kᵀ (one GEMM), each row's softmax with lse = max + log Σ exp(s − max) saved for
// backward, Ob = P·V (one GEMM), each row divided by its sum.
// Backward per block, recomputing P = exp(scale·Qb·Kᵀ − lse): dP = dOb·Vᵀ, D_i = dO_i·O_i, dS = P∘(dP − D)·scale,
// then dV += Pᵀ·dOb, dQb = dS·K and dK += dSᵀ·Qb (three GEMMs).
// Causal: query i sees keys j ≤ i (top-left aligned, as PyTorch's is_causal, also when Sk ≠ S); a block only
// multiplies the keys its last row can see, and the masked scores of earlier rows are set to P = 0.
// Threads: the forward splits the (head, block) items, all independent; the backward splits the B·H heads, since
// every block of a head adds into the same dK and dV. The GEMMs run serially inside a thread's item.
public sealed unsafe partial class CpuBackend
{
    /// <summary>Most query rows per block: the scores of a block against 1024 keys (512 KiB) stay within L2.</summary>
    private const int QueryBlock = 128;

    public void Attention(Tensor q, Tensor k, Tensor v, bool causal, float scale, Tensor o, Tensor lse)
    {
        using var profile = CpuProfiler.Time(nameof(Attention));
        var (heads, s, sk, dh) = AttentionDims(q, k);
        var (blocks, blockRows) = QueryBlocks(s);
        var ld = Math.Max(1, dh);
        float* pq = Ptr(q), pk = Ptr(k), pv = Ptr(v), po = Ptr(o), pl = Ptr(lse);
        CpuParallel.For((long)heads * blocks, 4L * blockRows * sk * dh, (start, end) =>
        {
            var scores = new float[blockRows * sk];
            var inverse = new float[blockRows];
            fixed (float* ps = scores)
            {
                for (var item = start; item < end; item++)
                {
                    var head = item / blocks;
                    var i0 = (int)(item % blocks) * blockRows;
                    var rows = Math.Min(blockRows, s - i0);
                    var keys = causal ? Math.Min(i0 + rows, sk) : sk;
                    float* qb = pq + (head * s + i0) * dh, kh = pk + head * sk * dh, vh = pv + head * sk * dh;
                    Sgemm.Gemm(false, true, rows, keys, dh, scale, qb, ld, kh, ld, 0f, ps, keys, serial: true);
                    for (var r = 0; r < rows; r++)
                    {
                        var row = new Span<float>(ps + r * keys, keys);
                        var visible = causal ? Math.Min(i0 + r + 1, sk) : sk;
                        var seen = row[..visible];
                        var max = TensorPrimitives.Max(seen);
                        TensorPrimitives.Subtract(seen, max, seen);
                        TensorPrimitives.Exp(seen, seen);
                        var sum = TensorPrimitives.Sum(seen);
                        row[visible..].Clear();
                        inverse[r] = 1f / sum;
                        pl[head * s + i0 + r] = max + MathF.Log(sum);
                    }
                    var ob = po + (head * s + i0) * dh;
                    Sgemm.Gemm(false, false, rows, dh, keys, 1f, ps, keys, vh, ld, 0f, ob, ld, serial: true);
                    for (var r = 0; r < rows; r++)
                    {
                        var orow = new Span<float>(ob + r * dh, dh);
                        TensorPrimitives.Multiply(orow, inverse[r], orow);
                    }
                }
            }
        });
    }

    public void AttentionBackward(Tensor go, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse, bool causal, float scale, Tensor gq, Tensor gk, Tensor gv)
    {
        using var profile = CpuProfiler.Time(nameof(AttentionBackward));
        var (heads, s, sk, dh) = AttentionDims(q, k);
        var (blocks, blockRows) = QueryBlocks(s);
        var ld = Math.Max(1, dh);
        float* pgo = Ptr(go), pq = Ptr(q), pk = Ptr(k), pv = Ptr(v), po = Ptr(o), pl = Ptr(lse);
        float* pgq = Ptr(gq), pgk = Ptr(gk), pgv = Ptr(gv);
        CpuParallel.For(heads, 10L * s * sk * dh, (start, end) =>
        {
            var probabilities = new float[blockRows * sk];
            var gradients = new float[blockRows * sk];
            fixed (float* pp = probabilities, pds = gradients)
            {
                for (var head = start; head < end; head++)
                {
                    float* kh = pk + head * sk * dh, vh = pv + head * sk * dh, gkh = pgk + head * sk * dh, gvh = pgv + head * sk * dh;
                    new Span<float>(gkh, sk * dh).Clear();
                    new Span<float>(gvh, sk * dh).Clear();
                    for (var block = 0; block < blocks; block++)
                    {
                        var i0 = block * blockRows;
                        var rows = Math.Min(blockRows, s - i0);
                        var keys = causal ? Math.Min(i0 + rows, sk) : sk;
                        var at = (head * s + i0) * dh;
                        float* qb = pq + at, gob = pgo + at;
                        Sgemm.Gemm(false, true, rows, keys, dh, scale, qb, ld, kh, ld, 0f, pp, keys, serial: true);
                        Sgemm.Gemm(false, true, rows, keys, dh, 1f, gob, ld, vh, ld, 0f, pds, keys, serial: true);
                        for (var r = 0; r < rows; r++)
                        {
                            var p = new Span<float>(pp + r * keys, keys);
                            var ds = new Span<float>(pds + r * keys, keys);
                            var visible = causal ? Math.Min(i0 + r + 1, sk) : sk;
                            var seen = p[..visible];
                            TensorPrimitives.Subtract(seen, pl[head * s + i0 + r], seen);
                            TensorPrimitives.Exp(seen, seen);
                            p[visible..].Clear();
                            var d = TensorPrimitives.Dot(new ReadOnlySpan<float>(gob + r * dh, dh), new ReadOnlySpan<float>(po + at + r * dh, dh));
                            // dS·scale, the factor both dQ and dK carry; masked keys get 0 through P.
                            TensorPrimitives.Subtract(ds, d, ds);
                            TensorPrimitives.Multiply(ds, p, ds);
                            TensorPrimitives.Multiply(ds, scale, ds);
                        }
                        Sgemm.Gemm(true, false, keys, dh, rows, 1f, pp, keys, gob, ld, 1f, gvh, ld, serial: true);
                        Sgemm.Gemm(false, false, rows, dh, keys, 1f, pds, keys, kh, ld, 0f, pgq + at, ld, serial: true);
                        Sgemm.Gemm(true, false, keys, dh, rows, 1f, pds, keys, qb, ld, 1f, gkh, ld, serial: true);
                    }
                }
            }
        });
    }

    /// <summary>(B·H, S, Sk, Dh) of an attention call.</summary>
    private static (int Heads, int S, int Sk, int Dh) AttentionDims(Tensor q, Tensor k) =>
        (q.Dims[0] * q.Dims[1], q.Dims[2], k.Dims[2], q.Dims[3]);

    /// <summary>S query rows as the fewest blocks of at most <see cref="QueryBlock"/> rows, all of about the same size.</summary>
    private static (int Blocks, int Rows) QueryBlocks(int s)
    {
        var blocks = (s + QueryBlock - 1) / QueryBlock;
        return (blocks, blocks == 0 ? 0 : (s + blocks - 1) / blocks);
    }
}
