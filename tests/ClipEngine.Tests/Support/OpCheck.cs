namespace ClipEngine.Tests.Support;

/// <summary>How one input of an op under test is drawn.</summary>
public sealed record InputSpec(int[] Shape, Func<Random, double> Sampler, DType DType = DType.F32, bool Differentiable = true)
{
    /// <summary>Standard normal floats that get a gradient.</summary>
    public static InputSpec Normal(params int[] shape) => new(shape, NextNormal);

    /// <summary>Floats in [0.5, 2), for log, sqrt, division.</summary>
    public static InputSpec Positive(params int[] shape) => new(shape, r => 0.5 + 1.5 * r.NextDouble());

    /// <summary>I64 indices in [0, count), no gradient.</summary>
    public static InputSpec Index(int count, params int[] shape) => new(shape, r => r.Next(count), DType.I64, false);

    /// <summary>Floats that take part in the op but get no gradient check.</summary>
    public InputSpec Constant() => this with { Differentiable = false };

    public static double NextNormal(Random r) =>
        Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}

/// <summary>
/// The op test of this project: an op's forward against a float64 reference, and its backward against central
/// finite differences of that same float64 reference, on random inputs.
/// </summary>
public static class OpCheck
{
    /// <param name="op">The engine op on F32 tensors.</param>
    /// <param name="reference">The same math in float64 on the flattened inputs, returning the flattened output.</param>
    /// <param name="forwardTolerance">|ours − ref| ≤ tol · (1 + |ref|).</param>
    /// <param name="gradTolerance">|ours − finite difference| ≤ tol · (1 + |fd|).</param>
    public static void Check(
        Func<Tensor[], Tensor> op,
        Func<double[][], double[]> reference,
        InputSpec[] inputs,
        int seed = 1,
        double forwardTolerance = 1e-5,
        double gradTolerance = 1e-4,
        int[]? expectedShape = null)
    {
        var random = new Random(seed);
        var values = inputs.Select(spec => Draw(spec, random)).ToArray();
        var tensors = inputs.Select((spec, i) => MakeTensor(spec, values[i])).ToArray();
        try
        {
            using var y = op(tensors);
            if (expectedShape is not null) Assert.Equal(expectedShape, y.Shape);
            var expected = reference(values);
            var actual = y.ToArray();
            Assert.Equal(expected.Length, actual.Length);
            AssertClose(expected, actual, forwardTolerance, "forward");

            if (!inputs.Any(s => s.Differentiable)) return;
            var upstream = Enumerable.Range(0, actual.Length).Select(_ => (double)(float)InputSpec.NextNormal(random)).ToArray();
            using (var g = Tensor.FromArray(upstream.Select(v => (float)v).ToArray(), y.Shape))
                y.Backward(g);

            for (var i = 0; i < inputs.Length; i++)
            {
                if (!inputs[i].Differentiable) continue;
                var grad = tensors[i].Grad;
                Assert.True(grad is not null, $"input {i} got no gradient");
                var ours = grad.ToArray();
                var probed = ProbedElements(ours.Length, random);
                var numeric = FiniteDifference(reference, values, i, upstream, probed);
                AssertClose(numeric, probed.Select(j => ours[j]).ToArray(), gradTolerance, $"gradient of input {i} (elements {string.Join(",", probed.Take(8))}…)");
            }
        }
        finally
        {
            foreach (var t in tensors) t.Dispose();
        }
    }

    /// <summary>Fused and composed forms of the same math must agree in values and in every input's gradient.</summary>
    public static void Equivalent(Func<Tensor[], Tensor> fused, Func<Tensor[], Tensor> composed, InputSpec[] inputs, int seed = 1, double tolerance = 1e-5)
    {
        var random = new Random(seed);
        var values = inputs.Select(spec => Draw(spec, random)).ToArray();
        var upstreamSeed = random.Next();
        (float[] Value, float[]?[] Grads) Run(Func<Tensor[], Tensor> f)
        {
            var tensors = inputs.Select((spec, i) => MakeTensor(spec, values[i])).ToArray();
            using var y = f(tensors);
            var r = new Random(upstreamSeed);
            using var g = Tensor.FromArray(Enumerable.Range(0, (int)y.NumEl).Select(_ => (float)InputSpec.NextNormal(r)).ToArray(), y.Shape);
            y.Backward(g);
            var result = (y.ToArray(), tensors.Select(t => t.Grad?.ToArray()).ToArray());
            foreach (var t in tensors) t.Dispose();
            return result;
        }
        var a = Run(fused);
        var b = Run(composed);
        AssertClose(a.Value.Select(v => (double)v).ToArray(), b.Value, tolerance, "value");
        for (var i = 0; i < inputs.Length; i++)
        {
            if (!inputs[i].Differentiable) continue;
            Assert.NotNull(a.Grads[i]);
            Assert.NotNull(b.Grads[i]);
            AssertClose(a.Grads[i]!.Select(v => (double)v).ToArray(), b.Grads[i]!, tolerance, $"gradient of input {i}");
        }
    }

    public static void AssertClose(double[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= tolerance * (1 + Math.Abs(expected[i]))))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (error {error:E2}, tolerance {tolerance:E1}·(1+|expected|))");
        }
    }

    /// <summary>Every element of small inputs; a random 48 of large ones, since each probe costs two reference runs.</summary>
    internal static int[] ProbedElements(int length, Random random) =>
        length <= 48 ? Enumerable.Range(0, length).ToArray() : Enumerable.Range(0, 48).Select(_ => random.Next(length)).Distinct().ToArray();

    internal static double[] FiniteDifference(Func<double[][], double[]> reference, double[][] values, int input, double[] upstream, int[] probed)
    {
        const double h = 1e-6;
        var x = values[input];
        var grad = new double[probed.Length];
        for (var p = 0; p < probed.Length; p++)
        {
            var j = probed[p];
            var saved = x[j];
            x[j] = saved + h;
            var plus = Dot(reference(values), upstream);
            x[j] = saved - h;
            var minus = Dot(reference(values), upstream);
            x[j] = saved;
            grad[p] = (plus - minus) / (2 * h);
        }
        return grad;
    }

    private static double Dot(double[] a, double[] b) => a.Select((v, i) => v * b[i]).Sum();

    /// <summary>Values already rounded to the tensor's dtype, so the reference sees exactly what the op sees.</summary>
    internal static double[] Draw(InputSpec spec, Random random)
    {
        var n = (int)ShapeUtil.NumEl(spec.Shape);
        return Enumerable.Range(0, n).Select(_ => spec.DType == DType.F32 ? (float)spec.Sampler(random) : Math.Floor(spec.Sampler(random))).ToArray();
    }

    internal static Tensor MakeTensor(InputSpec spec, double[] values)
    {
        var t = Tensor.FromDoubles(values, spec.Shape, spec.DType);
        if (spec.Differentiable) t.RequiresGrad = true;
        return t;
    }
}
