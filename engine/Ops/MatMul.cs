using ClipEngine.Backends;

namespace ClipEngine;

// Matrix products through the backend's strided batched GEMM. Batch axes broadcast as in torch.matmul: an operand
// holding a single matrix is reused with stride 0, and one broadcast only partly is materialised first. The backward
// of C = op(A)·op(B) is dop(A) = G·op(B)ᵀ and dop(B) = op(A)ᵀ·G, each a GEMM with transposes chosen so that it
// writes the gradient in the operand's stored layout, then summed over the batch axes the operand was broadcast on.
// Under Autocast, on a backend that SupportsBf16, the operands are rounded to BF16 once and the product is BF16
// (torch.autocast's matmul and linear); the node saves the rounded operands, so its backward multiplies exactly what
// the forward did, and writes each gradient straight in its operand's dtype (F32 for the fp32 master weights).
public static partial class Ops
{
    /// <summary>
    /// op(a)·op(b) over the last two axes, op transposing them when its flag is set (torch.matmul(a.mT, b) without
    /// the copy). Both operands have rank ≥ 2 and their leading (batch) axes broadcast: [..., m, n] results.
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transA = false, bool transB = false)
    {
        var batch = MatMulBatch(a, transA, b, transB);
        var compute = Autocast.ComputeType(a.Backend);
        var ar = RoundTo(a, compute);
        var br = RoundTo(b, compute);
        Tensor c;
        using (var fullA = ExpandBatch(ar, batch))
        using (var fullB = ExpandBatch(br, batch))
            c = Product(fullA, transA, fullB, transB, batch, compute);
        if (Autograd.Needs(a, b)) return Autograd.Record(c, new MatMulNode(a, b, ar, br, transA, transB, batch, compute));
        ar.Dispose();
        br.Dispose();
        return c;
    }

    /// <summary>
    /// x·weightᵀ + bias (F.linear) with weight [out, in] and x [..., in] of any rank ≥ 1: the leading axes of x are
    /// rows of one GEMM, which accumulates onto the broadcast bias.
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        CheckGemmOperand(x, "Linear");
        CheckGemmOperand(weight, "Linear");
        CheckSameDevice(x, weight, "Linear");
        if (x.Rank < 1 || weight.Rank != 2 || x.Dims[^1] != weight.Dims[1])
            throw new ArgumentException($"Linear: input {ShapeUtil.Format(x.Dims)} does not fit weight {ShapeUtil.Format(weight.Dims)} (a weight [out, in] takes inputs [..., in])");
        var outFeatures = weight.Dims[0];
        if (bias is not null)
        {
            CheckGemmOperand(bias, "Linear");
            CheckSameDevice(x, bias, "Linear");
            if (bias.Rank != 1 || bias.Dims[0] != outFeatures)
                throw new ArgumentException($"Linear: bias {ShapeUtil.Format(bias.Dims)} does not match weight {ShapeUtil.Format(weight.Dims)}, which needs [{outFeatures}]");
        }
        var rows = ShapeUtil.Product(x.Dims, 0, x.Rank - 1);
        var compute = Autocast.ComputeType(x.Backend);
        var xr = RoundTo(x, compute);
        var wr = RoundTo(weight, compute);
        var y = x.NewEmpty([.. x.Dims[..^1], outFeatures], compute);
        using (var x2 = xr.View([rows, x.Dims[^1]]))
        using (var y2 = y.View([rows, outFeatures]))
        {
            if (bias is not null)
            {
                using var br = RoundTo(bias, compute);
                x.Backend.Broadcast(br, y2);
            }
            GemmInto(x2, false, wr, true, y2, bias is null ? 0f : 1f);
        }
        if (Autograd.Needs(x, weight, bias)) return Autograd.Record(y, new LinearNode(x, weight, bias, xr, wr, rows, compute));
        xr.Dispose();
        wr.Dispose();
        return y;
    }

    /// <summary>GEMM operands are F32, or BF16 or F16 (rounded to the GEMM's dtype first).</summary>
    private static void CheckGemmOperand(Tensor t, string op)
    {
        if (t.DType is not (DType.BF16 or DType.F16)) CheckFloat(t, op);
    }

    /// <summary>Checks the operands and returns the broadcast batch shape.</summary>
    private static int[] MatMulBatch(Tensor a, bool transA, Tensor b, bool transB)
    {
        CheckGemmOperand(a, "MatMul");
        CheckGemmOperand(b, "MatMul");
        CheckSameDevice(a, b, "MatMul");
        var described = $"{ShapeUtil.Format(a.Dims)}{(transA ? "ᵀ" : "")} · {ShapeUtil.Format(b.Dims)}{(transB ? "ᵀ" : "")}";
        if (a.Rank < 2 || b.Rank < 2)
            throw new ArgumentException($"MatMul {described}: both operands need rank ≥ 2 (Unsqueeze a vector first)");
        int k = transA ? a.Dims[^2] : a.Dims[^1], kb = transB ? b.Dims[^1] : b.Dims[^2];
        if (k != kb) throw new ArgumentException($"MatMul {described}: inner dimensions {k} and {kb} differ");
        try
        {
            return ShapeUtil.Broadcast(a.Dims.AsSpan(0, a.Rank - 2), b.Dims.AsSpan(0, b.Rank - 2));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"MatMul {described}: the batch axes do not broadcast", e);
        }
    }

    /// <summary>Number of matrices in t's leading axes.</summary>
    private static int Matrices(Tensor t) => ShapeUtil.Product(t.Dims, 0, t.Rank - 2);

    /// <summary>
    /// t with a batch the GEMM can stride through: itself (a view) when it holds one matrix or the whole batch,
    /// otherwise materialised at the full batch shape.
    /// </summary>
    private static Tensor ExpandBatch(Tensor t, int[] batch)
    {
        var own = Matrices(t);
        if (own == 1 || own == ShapeUtil.NumEl(batch)) return t.View(t.Dims);
        var full = t.NewEmpty([.. batch, t.Dims[^2], t.Dims[^1]]);
        t.Backend.Broadcast(t, full);
        return full;
    }

    /// <summary>op(x)·op(y) in <paramref name="dtype"/> for every matrix of the batch, x and y each holding one matrix or the whole batch.</summary>
    private static Tensor Product(Tensor x, bool tx, Tensor y, bool ty, int[] batch, DType dtype)
    {
        var c = x.NewEmpty([.. batch, tx ? x.Dims[^1] : x.Dims[^2], ty ? y.Dims[^2] : y.Dims[^1]], dtype);
        GemmInto(x, tx, y, ty, c, 0f);
        return c;
    }

    /// <summary>c = op(x)·op(y) + beta·c, batched over c's leading axes; x and y hold one matrix or as many as c.</summary>
    private static void GemmInto(Tensor x, bool tx, Tensor y, bool ty, Tensor c, float beta)
    {
        var count = Matrices(c);
        int m = c.Dims[^2], n = c.Dims[^1], k = tx ? x.Dims[^2] : x.Dims[^1];
        int xs = Matrices(x), ys = Matrices(y);
        GemmShape shape;
        if (count > 1 && xs == count && ys == 1 && !tx)
        {
            // Stacked row-major matrices of x against one y are a single taller GEMM, which the kernel runs better.
            shape = new GemmShape(false, ty, count * m, n, k, Ld(x), Ld(y), Ld(c));
        }
        else
        {
            shape = new GemmShape(tx, ty, m, n, k, Ld(x), Ld(y), Ld(c),
                xs == 1 ? 0 : (long)m * k, ys == 1 ? 0 : (long)k * n, (long)m * n, count);
        }
        x.Backend.Gemm(shape, 1f, x, y, beta, c);
    }

    /// <summary>t rounded to nearest-even in <paramref name="dtype"/>, outside the graph (a view when already so).</summary>
    private static Tensor RoundTo(Tensor t, DType dtype)
    {
        if (t.DType == dtype) return t.View(t.Dims);
        var rounded = t.NewEmpty(t.Dims, dtype);
        t.Backend.Cast(t, rounded);
        return rounded;
    }

    /// <summary>Row stride of t's stored matrices; at least 1, as BLAS requires, even for an empty last axis.</summary>
    private static int Ld(Tensor t) => Math.Max(1, t.Dims[^1]);

    /// <summary>
    /// The gradient op(x)·op(y) in <paramref name="dtype"/> over the batch, summed down to an operand's shape where
    /// it was broadcast (such a sum is F32).
    /// </summary>
    private static Tensor ProductSumTo(Tensor x, bool tx, Tensor y, bool ty, int[] batch, int[] shape, DType dtype)
    {
        var count = ShapeUtil.NumEl(batch);
        var own = ShapeUtil.Product(shape, 0, shape.Length - 2);
        if (own == count) return ReshapeOutput(Product(x, tx, y, ty, batch, dtype), shape);
        if (own == 1 && tx && !ty && Matrices(x) == count && Matrices(y) == count)
        {
            // Σ_b x_bᵀ·y_b: stacking the batch along the contraction axis makes the sum a single GEMM.
            var c = x.NewEmpty(shape, dtype);
            var depth = checked((int)count * x.Dims[^2]);
            x.Backend.Gemm(new GemmShape(true, false, x.Dims[^1], y.Dims[^1], depth, Ld(x), Ld(y), Ld(c)), 1f, x, y, 0f, c);
            return c;
        }
        using var full = Product(x, tx, y, ty, batch, DType.F32);
        return SumTo(full, shape);
    }

    private sealed class MatMulNode(Tensor a, Tensor b, Tensor ar, Tensor br, bool transA, bool transB, int[] batch, DType compute) : GradNode(a, b)
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            using var fullA = ExpandBatch(ar, batch);
            using var fullB = ExpandBatch(br, batch);
            using var gr = RoundTo(g, compute);
            Tensor? ga = null, gb = null;
            if (NeedsGrad(0))
            {
                // A stored transposed gets (G·op(B)ᵀ)ᵀ = op(B)·Gᵀ.
                var dtype = GradDType(a, compute);
                ga = transA
                    ? ProductSumTo(fullB, transB, gr, true, batch, a.Dims, dtype)
                    : ProductSumTo(gr, false, fullB, !transB, batch, a.Dims, dtype);
            }
            if (NeedsGrad(1))
            {
                // B stored transposed gets (op(A)ᵀ·G)ᵀ = Gᵀ·op(A).
                var dtype = GradDType(b, compute);
                gb = transB
                    ? ProductSumTo(gr, true, fullA, transA, batch, b.Dims, dtype)
                    : ProductSumTo(fullA, !transA, gr, false, batch, b.Dims, dtype);
            }
            return [ga, gb];
        }

        protected override void ReleaseSaved()
        {
            ar.Dispose();
            br.Dispose();
        }
    }

    private sealed class LinearNode(Tensor x, Tensor weight, Tensor? bias, Tensor xr, Tensor wr, int rows, DType compute) : GradNode(x, weight, bias)
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            int inFeatures = weight.Dims[1], outFeatures = weight.Dims[0];
            using var g2 = g.View([rows, outFeatures]);
            using var gr = RoundTo(g2, compute);
            Tensor? gx = null, gw = null, gb = null;
            if (NeedsGrad(0))
            {
                gx = x.NewEmpty(x.Dims, GradDType(x, compute));
                using var gx2 = gx.View([rows, inFeatures]);
                GemmInto(gr, false, wr, false, gx2, 0f);
            }
            if (NeedsGrad(1))
            {
                gw = weight.NewEmpty(weight.Dims, GradDType(weight, compute));
                using var x2 = xr.View([rows, inFeatures]);
                GemmInto(gr, true, x2, false, gw, 0f);
            }
            if (NeedsGrad(2)) gb = SumTo(g2, [outFeatures]);
            return [gx, gw, gb];
        }

        protected override void ReleaseSaved()
        {
            xr.Dispose();
            wr.Dispose();
        }
    }
}
