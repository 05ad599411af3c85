using System.Numerics.Tensors;

namespace ClipEngine.Backends.Cpu;

// y = x / max(‖x‖, eps) row by row. Where the norm exceeds eps, the Jacobian is (I − y·yᵀ) / ‖x‖, so
// gx = (gy − (gy·y)·y) / ‖x‖; below it the denominator is the constant eps and gx = gy / eps (as F.normalize).
public sealed unsafe partial class CpuBackend
{
    public void L2Normalize(Tensor x, float eps, Tensor y, Tensor norms)
    {
        using var profile = CpuProfiler.Time(nameof(L2Normalize));
        var (rows, d) = (x.Dims[0], x.Dims[1]);
        float* px = Ptr(x), py = Ptr(y), pn = Ptr(norms);
        CpuParallel.For(rows, d, (start, end) =>
        {
            for (var r = start; r < end; r++)
            {
                var row = new ReadOnlySpan<float>(px + r * d, d);
                var norm = MathF.Sqrt(TensorPrimitives.SumOfSquares(row));
                pn[r] = norm;
                TensorPrimitives.Divide(row, MathF.Max(norm, eps), new Span<float>(py + r * d, d));
            }
        });
    }

    public void L2NormalizeBackward(Tensor gy, Tensor y, Tensor norms, float eps, Tensor gx)
    {
        using var profile = CpuProfiler.Time(nameof(L2NormalizeBackward));
        var (rows, d) = (y.Dims[0], y.Dims[1]);
        float* pg = Ptr(gy), py = Ptr(y), pn = Ptr(norms), pgx = Ptr(gx);
        CpuParallel.For(rows, 2L * d, (start, end) =>
        {
            for (var r = start; r < end; r++)
            {
                var g = new ReadOnlySpan<float>(pg + r * d, d);
                var dst = new Span<float>(pgx + r * d, d);
                var norm = pn[r];
                if (norm > eps)
                {
                    var yr = new ReadOnlySpan<float>(py + r * d, d);
                    TensorPrimitives.MultiplyAdd(yr, -TensorPrimitives.Dot(g, yr), g, dst);
                    TensorPrimitives.Divide(dst, norm, dst);
                }
                else
                {
                    TensorPrimitives.Divide(g, eps, dst);
                }
            }
        });
    }
}
