using System.Numerics.Tensors;

namespace ClipEngine.Backends.Cpu;

// Reductions of the middle axis of [outer, n, inner]. inner == 1 (the last axis) reduces contiguous rows with
// TensorPrimitives; otherwise whole inner-length rows are accumulated, which keeps the loads contiguous too.
public sealed unsafe partial class CpuBackend
{
    public void Reduce(ReduceOp op, Tensor x, int outer, int n, int inner, Tensor y, Tensor? indices)
    {
        using var profile = CpuProfiler.Time(nameof(Reduce), op);
        if (n == 0 && op is ReduceOp.Max or ReduceOp.ArgMax)
            throw new ArgumentException($"{op} over an empty axis of tensor {ShapeUtil.Format(x.Dims)}");
        float* px = Ptr(x), py = Ptr(y);
        var pi = indices is null ? null : (long*)((CpuStorage)indices.Storage).Pointer;
        CpuParallel.For(outer, (long)n * inner, (start, end) =>
        {
            for (var o = start; o < end; o++)
            {
                var src = px + o * n * inner;
                var dst = new Span<float>(py + o * inner, inner);
                if (inner == 1)
                    ReduceRow(op, new ReadOnlySpan<float>(src, n), dst, pi is null ? null : pi + o);
                else
                    ReduceRows(op, src, n, inner, dst, pi is null ? null : pi + o * inner);
            }
        });
    }

    private static void ReduceRow(ReduceOp op, ReadOnlySpan<float> row, Span<float> dst, long* index)
    {
        switch (op)
        {
            case ReduceOp.Sum: dst[0] = TensorPrimitives.Sum(row); break;
            case ReduceOp.Mean: dst[0] = row.Length == 0 ? float.NaN : TensorPrimitives.Sum(row) / row.Length; break;
            default:
                var best = FirstMax(row);
                dst[0] = op == ReduceOp.Max ? row[best] : best;
                if (index != null) *index = best;
                break;
        }
    }

    /// <summary>Index of the first maximum; a NaN wins, as in PyTorch.</summary>
    private static int FirstMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var i = 1; i < row.Length; i++)
        {
            if (float.IsNaN(row[best])) break;
            if (row[i] > row[best] || float.IsNaN(row[i])) best = i;
        }
        return best;
    }

    private static void ReduceRows(ReduceOp op, float* src, int n, int inner, Span<float> dst, long* index)
    {
        if (op is ReduceOp.Sum or ReduceOp.Mean)
        {
            dst.Clear();
            for (var j = 0; j < n; j++) TensorPrimitives.Add(dst, new ReadOnlySpan<float>(src + (long)j * inner, inner), dst);
            if (op == ReduceOp.Mean) TensorPrimitives.Multiply(dst, n == 0 ? float.NaN : 1f / n, dst);
            return;
        }
        for (var i = 0; i < inner; i++)
        {
            var best = 0;
            for (var j = 1; j < n; j++)
            {
                var current = src[(long)best * inner + i];
                if (float.IsNaN(current)) break;
                var candidate = src[(long)j * inner + i];
                if (candidate > current || float.IsNaN(candidate)) best = j;
            }
            dst[i] = op == ReduceOp.Max ? src[(long)best * inner + i] : best;
            if (index != null) index[i] = best;
        }
    }

    public void ScatterAlongAxis(Tensor values, Tensor indices, int outer, int n, int inner, Tensor destination)
    {
        using var profile = CpuProfiler.Time(nameof(ScatterAlongAxis));
        float* pv = Ptr(values), pd = Ptr(destination);
        var pi = (long*)((CpuStorage)indices.Storage).Pointer;
        Data<float>(destination).Clear();
        for (long o = 0; o < outer; o++)
        {
            for (long i = 0; i < inner; i++)
            {
                var at = pi[o * inner + i];
                if ((ulong)at >= (ulong)n) throw new IndexOutOfRangeException($"index {at} is outside an axis of size {n}");
                pd[(o * n + at) * inner + i] = pv[o * inner + i];
            }
        }
    }
}
