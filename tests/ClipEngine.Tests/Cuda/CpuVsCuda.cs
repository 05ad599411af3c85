using ClipEngine.Backends;
using ClipEngine.Backends.Cpu;

namespace ClipEngine.Tests.Cuda;

/// <summary>One backend op run on the Cpu backend and on the Cuda test device with the same inputs, and the comparison of their outputs.</summary>
internal static class CpuVsCuda
{
    /// <summary>
    /// Runs <paramref name="op"/> on each backend with copies of <paramref name="inputs"/> (host tensors; a null stays
    /// null) and F32 outputs of <paramref name="outputShapes"/>, filled with NaN first so that an element the op fails
    /// to write shows up; returns each side's outputs.
    /// </summary>
    public static (float[][] Cpu, float[][] Cuda) Run(Tensor?[] inputs, int[][] outputShapes, Action<IBackend, Tensor?[], Tensor[]> op) =>
        (RunOn(CpuBackend.Instance, inputs, outputShapes, op), RunOn(CudaTestDevice.Backend, inputs, outputShapes, op));

    /// <summary>
    /// Asserts |actual − expected| ≤ tolerance · (|expected| + mean |expected|) element-wise: relative for large
    /// elements, and for small ones relative to the array's scale, since fp32 sums in another order differ by a few ulp
    /// of their terms, not of their (possibly cancelled) result. NaNs and infinities must match exactly.
    /// </summary>
    public static void AssertClose(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var finite = expected.Where(float.IsFinite).ToArray();
        var scale = finite.Length == 0 ? 0 : finite.Average(v => Math.Abs((double)v));
        for (var i = 0; i < expected.Length; i++)
        {
            if (!float.IsFinite(expected[i]) || !float.IsFinite(actual[i]))
            {
                if (!expected[i].Equals(actual[i]))
                    Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R}");
                continue;
            }
            var error = Math.Abs((double)actual[i] - expected[i]);
            if (!(error <= tolerance * (Math.Abs(expected[i]) + scale)))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (error {error:E2}, tolerance {tolerance:E1}·(|expected| + {scale:G3}))");
        }
    }

    /// <summary>Every output of <see cref="Run"/> against its Cpu counterpart, named by <paramref name="names"/>.</summary>
    public static void AssertAllClose((float[][] Cpu, float[][] Cuda) results, double tolerance, string what, params string[] names)
    {
        for (var i = 0; i < results.Cpu.Length; i++)
            AssertClose(results.Cpu[i], results.Cuda[i], tolerance, $"{what} {(i < names.Length ? names[i] : $"output {i}")}");
    }

    private static float[][] RunOn(IBackend backend, Tensor?[] inputs, int[][] outputShapes, Action<IBackend, Tensor?[], Tensor[]> op)
    {
        var placed = inputs.Select(t => t?.To(backend.Device)).ToArray();
        var outputs = outputShapes.Select(shape => Tensor.Empty(shape, DType.F32, backend.Device)).ToArray();
        try
        {
            foreach (var output in outputs) backend.Fill(output, double.NaN);
            op(backend, placed, outputs);
            return [.. outputs.Select(t => t.ToArray<float>())];
        }
        finally
        {
            foreach (var t in placed) t?.Dispose();
            foreach (var t in outputs) t.Dispose();
        }
    }
}
