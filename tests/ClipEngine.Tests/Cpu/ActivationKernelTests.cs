using System.Runtime.Intrinsics;
using ClipEngine.Backends.Cpu;
using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Cpu;

using Ops = ClipEngine.Ops;

/// <summary>
/// The vectorised GELU family (CpuBackend.Activations over VectorMath) against float64 over the whole float range
/// that matters: a dense grid on [−14, 14], where the tails of Φ and σ are far below 1e-30, plus huge, tiny and
/// signed-zero inputs. The bound is relative to the size of the terms that make up the value (f' = a + b cancels
/// where the activation turns, near x ≈ −0.75). It grows with x² because e^a, with the exponent a (about −x²/2 for
/// Φ) rounded to float, is off by up to |a|·2⁻²⁴ relative; and it has an absolute floor for the exponentials the
/// kernels flush to 0 below 1.2e-38 (times x and the upstream gradient):
/// |ours − ref| ≤ 2e-7·(10 + x²)·(|a| + |b|) + 1e-35. A wrong coefficient or a lost tail is off by far more.
/// </summary>
public class ActivationKernelTests
{
    private const double Relative = 2e-7;
    private const double Floor = 1e-35;
    private const double Sqrt2OverPi = 0.79788456080286535588;

    public static TheoryData<string> Names => new(["gelu", "gelu_tanh", "quick_gelu"]);

    /// <summary>(engine op, f, the two terms of f') in float64.</summary>
    private static (Func<Tensor, Tensor> Op, Func<double, double> F, Func<double, (double, double)> Derivative) Activation(string name) => name switch
    {
        "gelu" => (x => Ops.Gelu(x), x => x * Phi(x), x => (Phi(x), x * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI))),
        "gelu_tanh" => (x => Ops.Gelu(x, "tanh"), x => x * Sigmoid(2 * TanhInner(x)),
            x =>
            {
                var s = Sigmoid(2 * TanhInner(x));
                return (s, 2 * x * s * Sigmoid(-2 * TanhInner(x)) * Sqrt2OverPi * (1 + 3 * 0.044715 * x * x));
            }),
        "quick_gelu" => (Ops.QuickGelu, x => x * Sigmoid(1.702 * x),
            x => (Sigmoid(1.702 * x), 1.702 * x * Sigmoid(1.702 * x) * Sigmoid(-1.702 * x))),
        _ => throw new ArgumentException(name),
    };

    private static double Phi(double x) => x >= 0 ? 1 - 0.5 * Erfc(x / Math.Sqrt(2)) : 0.5 * Erfc(-x / Math.Sqrt(2));

    /// <summary>erfc(z) for z ≥ 0 without the cancellation of 1 − erf: the continued fraction beyond 3, 1 − erf below.</summary>
    private static double Erfc(double z)
    {
        if (z < 3) return 1 - Reference.Erf(z);
        double fraction = 0;
        for (var n = 60; n >= 1; n--) fraction = n / 2.0 / (z + fraction);
        return Math.Exp(-z * z) / Math.Sqrt(Math.PI) / (z + fraction);
    }

    private static double Sigmoid(double u) => u >= 0 ? 1 / (1 + Math.Exp(-u)) : Math.Exp(u) / (1 + Math.Exp(u));

    private static double TanhInner(double x) => Sqrt2OverPi * (x + 0.044715 * x * x * x);

    /// <summary>A grid over [−14, 14] (an odd count, so the vector loop ends in a ragged tail) and special values.</summary>
    private static float[] Inputs()
    {
        var grid = Enumerable.Range(0, 28_001).Select(i => -14f + i * 0.001f);
        float[] special = [0f, -0f, 1e-30f, -1e-30f, 1e-8f, -1e-8f, 30f, -30f, 1e4f, -1e4f, 3e38f, -3e38f];
        return [.. grid, .. special];
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ForwardAndBackwardMatchFloat64AcrossTheRange(string name)
    {
        var (op, f, derivative) = Activation(name);
        var inputs = Inputs();
        var random = new Random(5);
        var upstream = inputs.Select(_ => (float)InputSpec.NextNormal(random)).ToArray();
        using var x = Tensor.FromArray(inputs, inputs.Length);
        x.RequiresGrad = true;
        using var y = op(x);
        using (var g = Tensor.FromArray(upstream, inputs.Length)) y.Backward(g);
        var values = y.ToArray();
        var grads = x.Grad!.ToArray();
        for (var i = 0; i < inputs.Length; i++)
        {
            var at = (double)inputs[i];
            var growth = 10 + Math.Min(at * at, 1e4);
            AssertNear(f(at), values[i], $"{name}({at:R})", growth * Math.Abs(f(at)));
            var (a, b) = derivative(at);
            AssertNear(upstream[i] * (a + b), grads[i], $"{name}'({at:R}) · {upstream[i]:R}", growth * Math.Abs(upstream[i]) * (Math.Abs(a) + Math.Abs(b)));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void NanPropagatesAndShortTensorsUseTheTail(string name)
    {
        var (op, f, _) = Activation(name);
        float[] inputs = [float.NaN, 0.5f, -2f];
        using var x = Tensor.FromArray(inputs, 3);
        var values = op(x).ToArray();
        Assert.True(float.IsNaN(values[0]), $"{name}(NaN) = {values[0]}");
        AssertNear(f(0.5), values[1], $"{name}(0.5)", 10 * Math.Abs(f(0.5)));
        AssertNear(f(-2), values[2], $"{name}(-2)", 10 * Math.Abs(f(-2)));
    }

    [Fact]
    public void VectorExpIsWithinTwoUlpWhereTheResultIsNormal()
    {
        var inputs = Enumerable.Range(0, 17_567).Select(i => -87.3f + i * 0.01f).Append(0f).Append(-1e-9f).Append(88.37f).ToArray();
        for (var i = 0; i < inputs.Length; i += Vector256<float>.Count)
        {
            var lanes = new float[Vector256<float>.Count];
            Array.Copy(inputs, i, lanes, 0, Math.Min(lanes.Length, inputs.Length - i));
            var result = VectorMath.Exp(Vector256.Create(lanes));
            for (var l = 0; l < lanes.Length; l++)
            {
                var expected = Math.Exp(lanes[l]);
                Assert.True(Math.Abs(result[l] - expected) <= 2 * Ulp(expected), $"exp({lanes[l]:R}) = {result[l]:R}, expected {expected:R}");
            }
        }
    }

    [Fact]
    public void VectorExpClampsInsteadOfOverflowing()
    {
        var result = VectorMath.Exp(Vector256.Create(-1000f, -88f, 89f, 1000f, float.NegativeInfinity, float.PositiveInfinity, 0f, 1f));
        Assert.Equal(0f, result[0]);
        Assert.True(float.IsFinite(result[3]) && result[3] > 2e38f, $"exp(1000) = {result[3]}");
        Assert.Equal(0f, result[4]);
        Assert.True(float.IsFinite(result[5]) && result[5] > 2e38f, $"exp(+inf) = {result[5]}");
        Assert.Equal(1f, result[6]);
    }

    /// <summary>The spacing of floats at |v|.</summary>
    private static double Ulp(double v) => Math.Max(MathF.BitIncrement((float)Math.Abs(v)) - (float)Math.Abs(v), float.Epsilon);

    private static void AssertNear(double expected, float actual, string what, double scale)
    {
        var error = Math.Abs(actual - expected);
        Assert.True(error <= Relative * scale + Floor, $"{what} = {actual:R}, expected {expected:R} (error {error:E2}, bound {Relative * scale + Floor:E2})");
    }
}
