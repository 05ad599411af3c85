using ClipEngine.Backends;
using ClipEngine.Backends.Cuda;
using static ClipEngine.Bench.Cuda.CudaBenchSizes;

namespace ClipEngine.Bench.Cuda;

/// <summary>
/// cuBLAS GEMMs (the driver's; the CPU SGEMM under emulation): C = op(A)·op(B) with beta = 0, 2·M·N·K flops, and
/// (M·K + K·N + M·N) elements moved at least. A square 4096³ in FP32 (CUDA cores), TF32 and BF16 (tensor cores, fp32
/// accumulation), then the image tower's Linear layers at one batch's M = B·50 tokens in FP32 and TF32: y = x·Wᵀ for
/// the fused q/k/v projection, the attention output, the MLP's up and down projections, and the up projection's weight
/// gradient gW = gyᵀ·x (K = M).
/// </summary>
public static class GemmCases
{
    public static IEnumerable<CudaBenchCase> All(CudaBenchSizes s)
    {
        var n = s.SquareGemm;
        foreach (var unit in new[] { ComputeUnit.Fp32, ComputeUnit.Tf32, ComputeUnit.Bf16 })
            yield return Gemm($"{Label(unit)} square", unit, new GemmShape(false, false, n, n, n, n, n, n));

        var (m, d, hidden) = (s.ImageRows, ImageWidth, MlpRatio * ImageWidth);
        (string Layer, GemmShape Shape)[] layers =
        [
            ("qkv", Linear(m, 3 * d, d)),
            ("attn out", Linear(m, d, d)),
            ("mlp up", Linear(m, hidden, d)),
            ("mlp down", Linear(m, d, hidden)),
            // gW [hidden, d] = gyᵀ [hidden, m] · x [m, d], gy stored [m, hidden].
            ("mlp up dW", new GemmShape(true, false, hidden, d, m, hidden, d, d)),
        ];
        foreach (var unit in new[] { ComputeUnit.Fp32, ComputeUnit.Tf32 })
        {
            foreach (var (layer, shape) in layers) yield return Gemm($"{Label(unit)} {layer}", unit, shape);
        }
    }

    /// <summary>y [m, outputs] = x [m, inputs] · Wᵀ, W stored [outputs, inputs] as a Linear's weight.</summary>
    private static GemmShape Linear(int m, int outputs, int inputs) => new(false, true, m, outputs, inputs, inputs, inputs, outputs);

    private static string Label(ComputeUnit unit) => unit switch
    {
        ComputeUnit.Fp32 => "sgemm",
        ComputeUnit.Tf32 => "tf32 gemm",
        _ => "bf16 gemm",
    };

    private static CudaBenchCase Gemm(string name, ComputeUnit unit, GemmShape g)
    {
        var shapeA = g.TransA ? new[] { g.K, g.M } : [g.M, g.K];
        var shapeB = g.TransB ? new[] { g.N, g.K } : [g.K, g.N];
        var description = $"{g.M}x{g.N}x{g.K}{(g.TransA ? " At" : "")}{(g.TransB ? " Bt" : "")}";
        var elementBytes = unit == ComputeUnit.Bf16 ? 2.0 : sizeof(float);
        var work = new Work(elementBytes * ((double)g.M * g.K + (double)g.K * g.N + (double)g.M * g.N), 2.0 * g.M * g.N * g.K, unit);
        return new(name, description, t =>
        {
            var backend = t.Backend;
            if (unit == ComputeUnit.Bf16)
            {
                var (a, b, c) = (t.NormalBf16(shapeA), t.NormalBf16(shapeB), t.Empty([g.M, g.N], DType.BF16));
                return new(work, () => backend.Driver.Gemm(g, DType.BF16, DType.BF16, 1f, Pointer(a), Pointer(b), 0f, Pointer(c), backend.Stream));
            }
            var (x, w, y) = (t.Normal(shapeA), t.Normal(shapeB), t.Empty([g.M, g.N]));
            return new(work, () => WithTf32(backend.Driver, unit == ComputeUnit.Tf32, () => backend.Gemm(g, 1f, x, w, 0f, y)));
        });
    }

    /// <summary>
    /// Runs an F32 GEMM with TF32 tensor cores allowed or not, whatever the driver was set to before. Only the real
    /// driver has TF32; under emulation both run as plain FP32.
    /// </summary>
    private static void WithTf32(ICudaDriver driver, bool allow, Action gemm)
    {
        if (driver is not CudaDriver real)
        {
            gemm();
            return;
        }
        var before = real.AllowTf32;
        real.AllowTf32 = allow;
        try
        {
            gemm();
        }
        finally
        {
            real.AllowTf32 = before;
        }
    }

    private static DevicePtr Pointer(Tensor t) => ((CudaStorage)t.Storage).Pointer;
}
