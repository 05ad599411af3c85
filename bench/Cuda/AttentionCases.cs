using static ClipEngine.Bench.Cuda.CudaBenchSizes;

namespace ClipEngine.Bench.Cuda;

/// <summary>
/// Scaled dot-product attention, forward and backward, at CLIP ViT-B/32's image shape (B, H = 12, S = 50, Dh = 64) and
/// its causal text shape (B, H = 8, S = 77), in F32 and (as under bf16 autocast) in BF16. With q, k, v, o of
/// n = B·H·S·Dh elements of E bytes, lse of B·H·S floats, and P the query-key pairs per head (S² or, causal, S(S+1)/2):
/// forward reads q, k, v and writes o and lse: E·4n + 4·B·H·S bytes; 4·B·H·P·Dh flops (q·kᵀ and p·v).
/// Backward reads dO, q, k, v, o, lse and writes dQ, dK, dV: E·8n + 4·B·H·S bytes; 10·B·H·P·Dh flops, the usual
/// count (FlashAttention's 2.5x the forward: q·kᵀ recomputed, dO·vᵀ, dV, dQ, dK). These kernels recompute q·kᵀ and
/// dO·vᵀ in both of their passes, which counts against them. The flops run on the FP32 CUDA cores; at head size 64 the
/// arithmetic intensity (about 12 flops per byte) sits near the FP32 ridge, so the table shows whichever bound is tighter.
/// </summary>
public static class AttentionCases
{
    private const double F32 = sizeof(float);

    public static IEnumerable<CudaBenchCase> All(CudaBenchSizes s)
    {
        foreach (var dtype in new[] { DType.F32, DType.BF16 })
        foreach (var (tower, heads, tokens, causal) in new[] { ("image", ImageHeads, ImageTokens, false), ("text causal", TextHeads, TextTokens, true) })
        {
            var size = (double)dtype.SizeInBytes();
            var name = dtype == DType.BF16 ? tower + " bf16" : tower;
            int[] shape = [s.Batch, heads, tokens, HeadSize];
            var n = (double)s.Batch * heads * tokens * HeadSize;
            var rows = (double)s.Batch * heads * tokens;
            var pairs = causal ? tokens * (tokens + 1) / 2.0 : (double)tokens * tokens;
            var headPairs = s.Batch * heads * pairs * HeadSize;
            var scale = 1f / MathF.Sqrt(HeadSize);
            yield return new($"attention fwd {name}", ShapeUtil.Format(shape), t =>
            {
                var (q, k, v) = (t.Normal(shape, dtype), t.Normal(shape, dtype), t.Normal(shape, dtype));
                var (o, lse) = (t.Empty(shape, dtype), t.Empty(shape[..3]));
                return new(new Work(size * 4 * n + F32 * rows, 4 * headPairs, ComputeUnit.Fp32),
                    () => t.Backend.Attention(q, k, v, causal, scale, o, lse));
            });
            yield return new($"attention bwd {name}", ShapeUtil.Format(shape), t =>
            {
                var (q, k, v, go) = (t.Normal(shape, dtype), t.Normal(shape, dtype), t.Normal(shape, dtype), t.Normal(shape, dtype));
                var (o, lse) = (t.Empty(shape, dtype), t.Empty(shape[..3]));
                var (gq, gk, gv) = (t.Empty(shape, dtype), t.Empty(shape, dtype), t.Empty(shape, dtype));
                t.Backend.Attention(q, k, v, causal, scale, o, lse);
                return new(new Work(size * 8 * n + F32 * rows, 10 * headPairs, ComputeUnit.Fp32),
                    () => t.Backend.AttentionBackward(go, q, k, v, o, lse, causal, scale, gq, gk, gv));
            });
        }
    }
}
