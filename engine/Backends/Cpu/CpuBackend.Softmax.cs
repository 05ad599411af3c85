using System.Numerics.Tensors;

namespace ClipEngine.Backends.Cpu;

// Softmax of each row of x [rows, n]: y = exp(x − max) / Σ exp(x − max); log-softmax: y = (x − max) − log Σ exp(x − max).
// Subtracting the row max keeps every exponent ≤ 0, so large logits cannot overflow, and -inf entries (masked) give 0.
// Backward: softmax gx = y ∘ (gy − Σ gy∘y); log-softmax gx = gy − exp(y) · Σ gy.
// Rows are independent: contiguous blocks of rows go to the threads.
public sealed unsafe partial class CpuBackend
{
    public void Softmax(Tensor x, Tensor y, bool log)
    {
        using var profile = CpuProfiler.Time(nameof(Softmax));
        var (rows, n) = (x.Dims[0], x.Dims[1]);
        if (n == 0) return;
        float* px = Ptr(x), py = Ptr(y);
        CpuParallel.For(rows, 4L * n, (start, end) =>
        {
            var scratch = log ? new float[n] : [];
            for (var r = start; r < end; r++)
            {
                var src = new ReadOnlySpan<float>(px + r * n, n);
                var dst = new Span<float>(py + r * n, n);
                if (log)
                {
                    var (max, logSum) = LogSumExp(src, scratch);
                    TensorPrimitives.Subtract(src, max, dst);
                    TensorPrimitives.Subtract(dst, logSum, dst);
                }
                else
                {
                    TensorPrimitives.Subtract(src, TensorPrimitives.Max(src), dst);
                    TensorPrimitives.Exp(dst, dst);
                    TensorPrimitives.Multiply(dst, 1f / TensorPrimitives.Sum(dst), dst);
                }
            }
        });
    }

    public void SoftmaxBackward(Tensor gy, Tensor y, Tensor gx, bool log)
    {
        using var profile = CpuProfiler.Time(nameof(SoftmaxBackward));
        var (rows, n) = (y.Dims[0], y.Dims[1]);
        if (n == 0) return;
        float* pg = Ptr(gy), py = Ptr(y), pgx = Ptr(gx);
        CpuParallel.For(rows, 3L * n, (start, end) =>
        {
            for (var r = start; r < end; r++)
            {
                var g = new ReadOnlySpan<float>(pg + r * n, n);
                var yr = new ReadOnlySpan<float>(py + r * n, n);
                var dst = new Span<float>(pgx + r * n, n);
                if (log)
                {
                    TensorPrimitives.Exp(yr, dst);
                    TensorPrimitives.MultiplyAdd(dst, -TensorPrimitives.Sum(g), g, dst);
                }
                else
                {
                    TensorPrimitives.Subtract(g, TensorPrimitives.Dot(g, yr), dst);
                    TensorPrimitives.Multiply(dst, yr, dst);
                }
            }
        });
    }

    /// <summary>
    /// log Σ exp(row) split as max + log Σ exp(row − max), the two parts kept apart so that callers can form
    /// x − max − logSum without the rounding of a large max + logSum. Uses scratch (row length) for the exponentials.
    /// </summary>
    private static (float Max, float LogSum) LogSumExp(ReadOnlySpan<float> row, Span<float> scratch)
    {
        var max = TensorPrimitives.Max(row);
        var exps = scratch[..row.Length];
        TensorPrimitives.Subtract(row, max, exps);
        TensorPrimitives.Exp(exps, exps);
        return (max, MathF.Log(TensorPrimitives.Sum(exps)));
    }
}
