using System.Numerics.Tensors;

namespace ClipEngine.Backends.Cpu;

// Cross-entropy of logits [N, C] against class indices: loss = mean_i (lse_i − x_i,t_i), lse_i = log Σ_c exp(x_ic);
// gradient gx_i = g/N · (softmax(x_i) − onehot(t_i)), recomputed from the saved lse.
// Contrastive (CLIP) loss on logits [N, N]: the mean of the cross-entropies of the rows and of the columns against
// the diagonal, loss = Σ_i (rowLse_i − x_ii + colLse_i − x_ii) / 2N; gradient
// gx = g/2N · (exp(x − rowLse) + exp(x − colLse) − 2I).
// Rows are split across threads; column log-sum-exps split the columns, each thread walking every row over its
// column range so that loads stay contiguous. Per-row loss terms are summed in double, serially.
public sealed unsafe partial class CpuBackend
{
    public void CrossEntropy(Tensor logits, Tensor targets, Tensor loss, Tensor lse)
    {
        using var profile = CpuProfiler.Time(nameof(CrossEntropy));
        var (rows, classes) = (logits.Dims[0], logits.Dims[1]);
        var pt = (long*)((CpuStorage)targets.Storage).Pointer;
        for (var r = 0; r < rows; r++)
        {
            if ((ulong)pt[r] >= (ulong)classes)
                throw new ArgumentException($"CrossEntropy: target {pt[r]} (row {r}) is not a class index in [0, {classes}) for logits with C = {classes}");
        }
        float* px = Ptr(logits), pl = Ptr(lse);
        var terms = new double[rows];
        CpuParallel.For(rows, 4L * classes, (start, end) =>
        {
            var scratch = new float[classes];
            for (var r = start; r < end; r++)
            {
                var (max, logSum) = LogSumExp(new ReadOnlySpan<float>(px + r * classes, classes), scratch);
                pl[r] = max + logSum;
                terms[r] = (double)max - px[r * classes + pt[r]] + logSum;
            }
        });
        Ptr(loss)[0] = (float)(terms.Sum() / rows);
    }

    public void CrossEntropyBackward(Tensor gLoss, Tensor logits, Tensor targets, Tensor lse, Tensor gLogits)
    {
        using var profile = CpuProfiler.Time(nameof(CrossEntropyBackward));
        var (rows, classes) = (logits.Dims[0], logits.Dims[1]);
        var pt = (long*)((CpuStorage)targets.Storage).Pointer;
        float* px = Ptr(logits), pl = Ptr(lse), pgx = Ptr(gLogits);
        var g = Ptr(gLoss)[0] / rows;
        CpuParallel.For(rows, 3L * classes, (start, end) =>
        {
            for (var r = start; r < end; r++)
            {
                var dst = new Span<float>(pgx + r * classes, classes);
                TensorPrimitives.Subtract(new ReadOnlySpan<float>(px + r * classes, classes), pl[r], dst);
                TensorPrimitives.Exp(dst, dst);
                dst[(int)pt[r]] -= 1f;
                TensorPrimitives.Multiply(dst, g, dst);
            }
        });
    }

    public void ContrastiveLoss(Tensor logits, Tensor loss, Tensor rowLse, Tensor columnLse)
    {
        using var profile = CpuProfiler.Time(nameof(ContrastiveLoss));
        var n = logits.Dims[0];
        float* px = Ptr(logits), prow = Ptr(rowLse), pcol = Ptr(columnLse);
        var terms = new double[2 * n];
        CpuParallel.For(n, 4L * n, (start, end) =>
        {
            var scratch = new float[n];
            for (var r = start; r < end; r++)
            {
                var (max, logSum) = LogSumExp(new ReadOnlySpan<float>(px + r * n, n), scratch);
                prow[r] = max + logSum;
                terms[r] = (double)max - px[r * n + r] + logSum;
            }
        });
        CpuParallel.For(n, 5L * n, (start, end) =>
        {
            var width = (int)(end - start);
            var max = new float[width];
            var exps = new float[width];
            var wide = new double[width];
            var sum = new double[width];
            max.AsSpan().Fill(float.NegativeInfinity);
            for (var r = 0; r < n; r++)
                TensorPrimitives.Max(max, new ReadOnlySpan<float>(px + r * n + start, width), max);
            for (var r = 0; r < n; r++)
            {
                TensorPrimitives.Subtract(new ReadOnlySpan<float>(px + r * n + start, width), max, exps);
                TensorPrimitives.Exp(exps, exps);
                AddWidened(exps, wide, sum);
            }
            for (var c = 0; c < width; c++)
            {
                var column = start + c;
                var logSum = Math.Log(sum[c]);
                pcol[column] = (float)(max[c] + logSum);
                terms[n + column] = max[c] - px[column * n + column] + logSum;
            }
        });
        Ptr(loss)[0] = (float)(terms.Sum() / (2.0 * n));
    }

    public void ContrastiveLossBackward(Tensor gLoss, Tensor logits, Tensor rowLse, Tensor columnLse, Tensor gLogits)
    {
        using var profile = CpuProfiler.Time(nameof(ContrastiveLossBackward));
        var n = logits.Dims[0];
        float* px = Ptr(logits), prow = Ptr(rowLse), pcol = Ptr(columnLse), pgx = Ptr(gLogits);
        var g = Ptr(gLoss)[0] / (2f * n);
        CpuParallel.For(n, 6L * n, (start, end) =>
        {
            var columns = new ReadOnlySpan<float>(pcol, n);
            var byColumn = new float[n];
            for (var r = start; r < end; r++)
            {
                var row = new ReadOnlySpan<float>(px + r * n, n);
                var dst = new Span<float>(pgx + r * n, n);
                TensorPrimitives.Subtract(row, prow[r], dst);
                TensorPrimitives.Exp(dst, dst);
                TensorPrimitives.Subtract(row, columns, byColumn);
                TensorPrimitives.Exp(byColumn, byColumn);
                TensorPrimitives.Add(dst, byColumn, dst);
                dst[(int)r] -= 2f;
                TensorPrimitives.Multiply(dst, g, dst);
            }
        });
    }
}
