using System.Collections.Concurrent;
using System.Numerics.Tensors;

namespace ClipEngine.Backends.Cpu;

// Layer norm of each row of x [rows, d]: y = (x − μ)·rstd·w + b with rstd = 1/√(σ² + eps).
// μ and σ² by the corrected two-pass method (Chan, Golub & LeVeque): a first mean m₀, then the centred row
// c = x − m₀, whose sum s₁ and sum of squares s₂ give μ = m₀ + s₁/d and σ² = s₂/d − (s₁/d)². The correction
// removes the rounding error of m₀, so rows far from zero keep their precision (E[x²] − E[x]² would not).
// Backward with x̂ = (x − μ)·rstd and ĝ = gy∘w: gx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ∘x̂)), gw = Σrows gy∘x̂, gb = Σrows gy.
// Rows go to the threads in contiguous blocks; for gw and gb each block sums its rows in double, and the blocks'
// sums are added together in block order, so the result does not depend on which thread finished first.
public sealed unsafe partial class CpuBackend
{
    public void LayerNorm(Tensor x, Tensor? weight, Tensor? bias, float eps, Tensor y, Tensor mean, Tensor rstd)
    {
        using var profile = CpuProfiler.Time(nameof(LayerNorm));
        var (rows, d) = (x.Dims[0], x.Dims[1]);
        if (d == 0) return;
        float* px = Ptr(x), py = Ptr(y), pm = Ptr(mean), pr = Ptr(rstd);
        float* pw = weight is null ? null : Ptr(weight), pb = bias is null ? null : Ptr(bias);
        CpuParallel.For(rows, 6L * d, (start, end) =>
        {
            var w = new ReadOnlySpan<float>(pw, pw == null ? 0 : d);
            var b = new ReadOnlySpan<float>(pb, pb == null ? 0 : d);
            for (var r = start; r < end; r++)
            {
                var src = new ReadOnlySpan<float>(px + r * d, d);
                var dst = new Span<float>(py + r * d, d);
                var m0 = TensorPrimitives.Sum(src) / d;
                TensorPrimitives.Subtract(src, m0, dst);
                var shift = (double)TensorPrimitives.Sum(dst) / d;
                var variance = Math.Max(TensorPrimitives.SumOfSquares(dst) / (double)d - shift * shift, 0);
                var scale = (float)(1 / Math.Sqrt(variance + eps));
                pm[r] = (float)(m0 + shift);
                pr[r] = scale;
                TensorPrimitives.Subtract(dst, (float)shift, dst);
                TensorPrimitives.Multiply(dst, scale, dst);
                if (pw != null && pb != null) TensorPrimitives.MultiplyAdd(dst, w, b, dst);
                else if (pw != null) TensorPrimitives.Multiply(dst, w, dst);
                else if (pb != null) TensorPrimitives.Add(dst, b, dst);
            }
        });
    }

    public void LayerNormBackward(Tensor gy, Tensor x, Tensor? weight, Tensor mean, Tensor rstd, Tensor gx, Tensor? gWeight, Tensor? gBias)
    {
        using var profile = CpuProfiler.Time(nameof(LayerNormBackward));
        var (rows, d) = (x.Dims[0], x.Dims[1]);
        float* pg = Ptr(gy), px = Ptr(x), pm = Ptr(mean), pr = Ptr(rstd), pgx = Ptr(gx);
        var pw = weight is null ? null : Ptr(weight);
        var totalWeight = gWeight is null ? null : new double[d];
        var totalBias = gBias is null ? null : new double[d];
        var blockSums = new ConcurrentDictionary<long, (double[]? Weight, double[]? Bias)>();
        CpuParallel.For(rows, 12L * d, (start, end) =>
        {
            var w = new ReadOnlySpan<float>(pw, pw == null ? 0 : d);
            var xHat = new float[d];
            var wide = new double[d];
            var sumWeight = totalWeight is null ? null : new double[d];
            var sumBias = totalBias is null ? null : new double[d];
            for (var r = start; r < end; r++)
            {
                var g = new ReadOnlySpan<float>(pg + r * d, d);
                var dst = new Span<float>(pgx + r * d, d);
                var scale = pr[r];
                TensorPrimitives.Subtract(new ReadOnlySpan<float>(px + r * d, d), pm[r], xHat);
                TensorPrimitives.Multiply(xHat, scale, xHat);
                if (sumWeight is not null)
                {
                    // dst is free until ĝ is written to it, so it holds gy∘x̂ on its way to double.
                    TensorPrimitives.Multiply(g, xHat, dst);
                    AddWidened(dst, wide, sumWeight);
                }
                if (sumBias is not null) AddWidened(g, wide, sumBias);

                if (pw != null) TensorPrimitives.Multiply(g, w, dst);
                else g.CopyTo(dst);
                var meanG = TensorPrimitives.Sum(dst) / d;
                var meanGx = TensorPrimitives.Dot(dst, xHat) / d;
                TensorPrimitives.MultiplyAdd(xHat, -meanGx, dst, dst);
                TensorPrimitives.Subtract(dst, meanG, dst);
                TensorPrimitives.Multiply(dst, scale, dst);
            }
            blockSums[start] = (sumWeight, sumBias);
        });
        foreach (var (_, sums) in blockSums.OrderBy(block => block.Key))
        {
            if (totalWeight is not null) TensorPrimitives.Add(totalWeight, sums.Weight!, totalWeight);
            if (totalBias is not null) TensorPrimitives.Add(totalBias, sums.Bias!, totalBias);
        }
        if (gWeight is not null) TensorPrimitives.ConvertTruncating<double, float>(totalWeight, Data<float>(gWeight));
        if (gBias is not null) TensorPrimitives.ConvertTruncating<double, float>(totalBias, Data<float>(gBias));
    }

    /// <summary>sum += values, with the float values widened to double through <paramref name="wide"/>.</summary>
    private static void AddWidened(ReadOnlySpan<float> values, Span<double> wide, Span<double> sum)
    {
        TensorPrimitives.ConvertChecked<float, double>(values, wide);
        TensorPrimitives.Add(sum, wide, sum);
    }
}
