using ClipEngine.Backends;
using static ClipEngine.Bench.Cuda.CudaBenchSizes;

namespace ClipEngine.Bench.Cuda;

/// <summary>
/// The benchmarks bound by memory bandwidth. Each case's comment gives its <see cref="Work.Bytes"/>: the F32 (4-byte)
/// arrays it must at least read and write once; flops are not counted, the arithmetic per byte being far below the
/// ridge of any GPU.
/// </summary>
public static class MemoryBoundCases
{
    private const double F32 = sizeof(float);

    private const double Bf16 = sizeof(ushort);

    /// <summary>cuMemcpyDtoDAsync of n floats, read n + write n: 2·4·n. Its GB/s is the practical bandwidth ceiling.</summary>
    public static CudaBenchCase Memcpy(CudaBenchSizes s)
    {
        var n = s.StreamElements;
        return new("memcpy d2d", ShapeUtil.Format([n]), t =>
        {
            var (source, destination) = (t.Normal([n]), t.Empty([n]));
            return new(new Work(2 * F32 * n), () => t.Backend.Copy(source, 0, destination, 0, n));
        });
    }

    public static IEnumerable<CudaBenchCase> All(CudaBenchSizes s)
    {
        var n = s.StreamElements;
        // fill_u32 (a non-zero value: zero would go to cuMemsetD8), write n: 4·n.
        yield return new("fill", ShapeUtil.Format([n]), t =>
        {
            var y = t.Empty([n]);
            return new(new Work(F32 * n), () => t.Backend.Fill(y, 1.0));
        });
        // Read n floats, write n bf16: 4·n + 2·n.
        yield return new("cast f32->bf16", ShapeUtil.Format([n]), t =>
        {
            var (x, y) = (t.Normal([n]), t.Empty([n], DType.BF16));
            return new(new Work((F32 + 2) * n), () => t.Backend.Cast(x, y));
        });

        int[] tokens = [s.ImageRows, ImageWidth];
        var (rows, width) = ((double)s.ImageRows, (double)ImageWidth);
        // The residual add: read a and b, write c: 3·4·N·D.
        yield return new("add", $"{ShapeUtil.Format(tokens)} + {ShapeUtil.Format(tokens)}", t =>
        {
            var (a, b, c) = (t.Normal(tokens), t.Normal(tokens), t.Empty(tokens));
            return new(new Work(3 * F32 * rows * width), () => t.Backend.Binary(BinaryOp.Add, a, b, c));
        });
        // A Linear's bias, broadcast: read a [N, D] and the bias [D], write c: 4·(2·N·D + D).
        yield return new("add bias", $"{ShapeUtil.Format(tokens)} + [{ImageWidth}]", t =>
        {
            var (a, bias, c) = (t.Normal(tokens), t.Normal([ImageWidth]), t.Empty(tokens));
            return new(new Work(F32 * (2 * rows * width + width)), () => t.Backend.Binary(BinaryOp.Add, a, bias, c));
        });
        // The residual add under bf16 autocast, the F32 stream plus a BF16 branch into F32: read 4·N·D + 2·N·D, write 4·N·D.
        yield return new("add f32+bf16", $"{ShapeUtil.Format(tokens)} + {ShapeUtil.Format(tokens)}", t =>
        {
            var (a, b, c) = (t.Normal(tokens), t.NormalBf16(tokens), t.Empty(tokens));
            return new(new Work((2 * F32 + Bf16) * rows * width), () => t.Backend.Binary(BinaryOp.Add, a, b, c));
        });
        // The bias gradient, a sum over the rows [N, D] -> [D]: 4·(N·D + D).
        yield return new("reduce sum dim 0", $"{ShapeUtil.Format(tokens)} -> [{ImageWidth}]", t =>
        {
            var (x, y) = (t.Normal(tokens), t.Empty([ImageWidth]));
            return new(new Work(F32 * (rows * width + width)), () => t.Backend.Reduce(ReduceOp.Sum, x, 1, s.ImageRows, ImageWidth, y, null));
        });
        // The sum of each row [N, D] -> [N]: 4·(N·D + N).
        yield return new("reduce sum dim 1", $"{ShapeUtil.Format(tokens)} -> [{s.ImageRows}]", t =>
        {
            var (x, y) = (t.Normal(tokens), t.Empty([s.ImageRows]));
            return new(new Work(F32 * (rows * width + rows)), () => t.Backend.Reduce(ReduceOp.Sum, x, s.ImageRows, ImageWidth, 1, y, null));
        });

        // QuickGELU on the MLP's hidden activations [N, 4D], in F32 and (as under bf16 autocast) in BF16, of E bytes an
        // element. Forward: read x, write y: 2·E·n. Backward: read x and gy, write gx: 3·E·n (its derivative needs x
        // alone, so the kernel's y operand is never loaded).
        int[] hidden = [s.ImageRows, MlpRatio * ImageWidth];
        var hiddenCount = (double)s.ImageRows * MlpRatio * ImageWidth;
        foreach (var (suffix, dtype) in new[] { ("", DType.F32), (" bf16", DType.BF16) })
        {
            var size = (double)dtype.SizeInBytes();
            yield return new("quickgelu fwd" + suffix, ShapeUtil.Format(hidden), t =>
            {
                var (x, y) = (t.Normal(hidden, dtype), t.Empty(hidden, dtype));
                return new(new Work(2 * size * hiddenCount), () => t.Backend.Unary(UnaryOp.QuickGelu, x, y));
            });
            yield return new("quickgelu bwd" + suffix, ShapeUtil.Format(hidden), t =>
            {
                var (x, y, gy, gx) = (t.Normal(hidden, dtype), t.Empty(hidden, dtype), t.Normal(hidden, dtype), t.Empty(hidden, dtype));
                t.Backend.Unary(UnaryOp.QuickGelu, x, y);
                return new(new Work(3 * size * hiddenCount), () => t.Backend.UnaryBackward(UnaryOp.QuickGelu, x, y, gy, gx));
            });
        }

        foreach (var (tower, r, d) in new[] { ("text", s.TextRows, TextWidth), ("image", s.ImageRows, ImageWidth) })
        {
            yield return LayerNormForward(tower, r, d);
            yield return LayerNormBackward(tower, r, d);
        }

        // Softmax of rows [R, n]: read x, write y: 2·4·R·n. Short rows: the image tower's attention scores
        // [B·H·S, S]; long rows: a batch's logits [N, N].
        var scoreRows = s.Batch * ImageHeads * ImageTokens;
        yield return Softmax("softmax short rows", scoreRows, ImageTokens);
        yield return Softmax("softmax long rows", s.ContrastiveBatch, s.ContrastiveBatch);

        // CLIP's loss on logits [N, N]. Forward: read the logits, write the row and column log-sum-exps: 4·(N² + 2N)
        // (the kernels read the logits twice, by rows and by columns). Backward: read the logits and both lse, write
        // gLogits: 4·(2N² + 2N).
        var nn = s.ContrastiveBatch;
        var square = (double)nn * nn;
        yield return new("contrastive loss fwd", ShapeUtil.Format([nn, nn]), t =>
        {
            var (logits, loss, rowLse, columnLse) = (t.Normal([nn, nn], 5f), t.Empty([]), t.Empty([nn]), t.Empty([nn]));
            return new(new Work(F32 * (square + 2.0 * nn)), () => t.Backend.ContrastiveLoss(logits, loss, rowLse, columnLse));
        });
        yield return new("contrastive loss bwd", ShapeUtil.Format([nn, nn]), t =>
        {
            var (logits, loss, rowLse, columnLse) = (t.Normal([nn, nn], 5f), t.Empty([]), t.Empty([nn]), t.Empty([nn]));
            var (gLoss, gLogits) = (t.Full([], 1), t.Empty([nn, nn]));
            t.Backend.ContrastiveLoss(logits, loss, rowLse, columnLse);
            return new(new Work(F32 * (2 * square + 2.0 * nn)),
                () => t.Backend.ContrastiveLossBackward(gLoss, logits, rowLse, columnLse, gLogits));
        });

        // One AdamW step over P parameters: read p, g, m, v, write p, m, v: 7·4·P.
        var p = s.AdamWParameters;
        yield return new("adamw step", ShapeUtil.Format([p]), t =>
        {
            var (param, grad, m, v) = (t.Normal([p]), t.Normal([p]), t.Full([p], 0), t.Full([p], 0));
            var args = new AdamWStepArgs(1e-4, 0.9, 0.98, 1e-6, 0.2, 1);
            return new(new Work(7 * F32 * p), () => t.Backend.AdamWStep(param, grad, m, v, args));
        });
    }

    // Read x [R, D], weight and bias [D]; write y [R, D], mean and rstd [R]: 4·(2·R·D + 2·D + 2·R).
    private static CudaBenchCase LayerNormForward(string tower, int rows, int width) =>
        new($"layernorm fwd {tower}", ShapeUtil.Format([rows, width]), t =>
        {
            var (x, w, b) = (t.Normal([rows, width]), t.Normal([width]), t.Normal([width]));
            var (y, mean, rstd) = (t.Empty([rows, width]), t.Empty([rows]), t.Empty([rows]));
            return new(new Work(F32 * (2.0 * rows * width + 2.0 * width + 2.0 * rows)),
                () => t.Backend.LayerNorm(x, w, b, 1e-5f, y, mean, rstd));
        });

    // Read gy, x [R, D], weight [D], mean and rstd [R]; write gx [R, D], gWeight and gBias [D]: 4·(3·R·D + 3·D + 2·R).
    // The kernels read gy and x twice, once for gx and once for the parameter gradients.
    private static CudaBenchCase LayerNormBackward(string tower, int rows, int width) =>
        new($"layernorm bwd {tower}", ShapeUtil.Format([rows, width]), t =>
        {
            var (x, w, b, gy) = (t.Normal([rows, width]), t.Normal([width]), t.Normal([width]), t.Normal([rows, width]));
            var (y, mean, rstd) = (t.Empty([rows, width]), t.Empty([rows]), t.Empty([rows]));
            var (gx, gw, gb) = (t.Empty([rows, width]), t.Empty([width]), t.Empty([width]));
            t.Backend.LayerNorm(x, w, b, 1e-5f, y, mean, rstd);
            return new(new Work(F32 * (3.0 * rows * width + 3.0 * width + 2.0 * rows)),
                () => t.Backend.LayerNormBackward(gy, x, w, mean, rstd, gx, gw, gb));
        });

    private static CudaBenchCase Softmax(string name, int rows, int length) =>
        new(name, ShapeUtil.Format([rows, length]), t =>
        {
            var (x, y) = (t.Normal([rows, length]), t.Empty([rows, length]));
            return new(new Work(2 * F32 * rows * length), () => t.Backend.Softmax(x, y, log: false));
        });
}
