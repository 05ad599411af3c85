using System.Numerics;
using System.Runtime.CompilerServices;

namespace ClipEngine.Backends.Cpu;

// The AdamW update as one pass over p, g, m, v in SIMD vectors, chunks spread over the cores. The operation order
// follows PyTorch's single-tensor AdamW: m.lerp_(g, 1−β₁), v·β₂ + (1−β₂)·g·g, denom = √v / √(1−β₂ᵗ) + eps,
// p += −(lr / (1−β₁ᵗ)) · m / denom, with the bias corrections in double as Python computes them.
public sealed unsafe partial class CpuBackend
{
    public void AdamWStep(Tensor param, Tensor grad, Tensor m, Tensor v, in AdamWStepArgs args)
    {
        using var profile = CpuProfiler.Time(nameof(AdamWStep));
        float* pp = Ptr(param), pg = Ptr(grad), pm = Ptr(m), pv = Ptr(v);
        var k = new AdamWCoefficients(args);
        Chunked(param.NumEl, (offset, len) =>
        {
            var width = Vector<float>.Count;
            var i = 0;
            for (; i <= len - width; i += width)
            {
                var at = offset + i;
                var p = Vector.Load(pp + at);
                var mm = Vector.Load(pm + at);
                var vv = Vector.Load(pv + at);
                Update(k, ref p, ref mm, ref vv, Vector.Load(pg + at));
                p.Store(pp + at);
                mm.Store(pm + at);
                vv.Store(pv + at);
            }
            // The ragged tail runs the same vector code on broadcast scalars, so the formula exists once.
            for (; i < len; i++)
            {
                var at = offset + i;
                var p = new Vector<float>(pp[at]);
                var mm = new Vector<float>(pm[at]);
                var vv = new Vector<float>(pv[at]);
                Update(k, ref p, ref mm, ref vv, new Vector<float>(pg[at]));
                pp[at] = p[0];
                pm[at] = mm[0];
                pv[at] = vv[0];
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update(in AdamWCoefficients k, ref Vector<float> p, ref Vector<float> m, ref Vector<float> v, Vector<float> grad)
    {
        var g = grad * k.GradScale;
        p *= k.Decay;
        m += k.OneMinusBeta1 * (g - m);
        v = v * k.Beta2 + k.OneMinusBeta2 * g * g;
        var denom = Vector.SquareRoot(v) / k.BiasCorrection2Sqrt + new Vector<float>(k.Eps);
        p -= k.StepSize * (m / denom);
    }
}
