using ClipEngine.Backends;

namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;

/// <summary>Unary ops (forward and backward) and scalar ops on the Cuda backend against the Cpu backend.</summary>
[Collection(CudaTestDevice.Collection)]
public class CudaUnaryTests
{
    public static TheoryData<int> Sizes => [1, 3, 17, 65, 257, 4097];

    [Theory]
    [MemberData(nameof(Sizes))]
    public void EveryUnaryOpAndItsBackwardMatchCpu(int n)
    {
        foreach (var op in Enum.GetValues<UnaryOp>())
        {
            // Normals scaled by 3 reach the tails of the GELUs and saturate sigmoid and tanh; log and the roots get positives.
            var x = Normal(n, n).Select(v => op is UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.Rsqrt ? 0.05f + MathF.Abs(3 * v) : 3 * v).ToArray();
            var gy = Normal(n, n + 1);
            using var forward = BothBackends.Run((backend, t) => backend.Unary(op, t[0], t[1]), Tensor.FromArray(x, n), Tensor.Empty([n]));
            // Both libms are within a few ulp; the tanh GELU subtracts nearly equal numbers in its left tail, so it
            // also gets an absolute bound of a few ulp of 1.
            var absolute = op == UnaryOp.GeluTanh ? 1e-6 : 1e-7;
            forward.AssertClose(1, 2e-6, absolute, $"{op} of {n}");

            // The backward gets the Cpu's y on both sides, so only its own formula is compared.
            using var backward = BothBackends.Run((backend, t) => backend.UnaryBackward(op, t[0], t[1], t[2], t[3]),
                Tensor.FromArray(x, n), forward.Cpu[1].Clone(), Tensor.FromArray(gy, n), Tensor.Empty([n]));
            if (op == UnaryOp.GeluTanh) AssertGeluTanhBackwardClose(x, gy, backward, $"{op} backward of {n}");
            else backward.AssertClose(3, 2e-6, absolute, $"{op} backward of {n}");
        }
    }

    /// <summary>
    /// The tanh GELU's derivative a + b (a = s, b = 2x·s·(1 − s)·u′ with s = σ(2u)) cancels in the left tail, and the Cpu
    /// backend's vectorised kernel is only held to 2e-7·(10 + x²)·(|a| + |b|) there (ActivationKernelTests); two such
    /// kernels may differ by twice that, with |a| + |b| ≤ 1 + |x| and the upstream gradient as a factor.
    /// </summary>
    private static void AssertGeluTanhBackwardClose(float[] x, float[] gy, BothBackends backward, string what)
    {
        var (cpu, cuda) = (backward.Cpu[3].ToArray<float>(), backward.Cuda[3].ToArray<float>());
        for (var i = 0; i < x.Length; i++)
        {
            var bound = 4e-7 * (10 + x[i] * x[i]) * (1 + Math.Abs(x[i])) * Math.Abs(gy[i]) + 1e-7;
            Assert.True(Math.Abs(cuda[i] - cpu[i]) <= bound, $"{what}: element {i} (x = {x[i]:R}): cpu {cpu[i]:R}, cuda {cuda[i]:R}, bound {bound:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void EveryScalarOpMatchesCpu(int n)
    {
        (ScalarOp Op, float S, bool Positive)[] cases =
        [
            (ScalarOp.Add, 0.75f, false), (ScalarOp.Mul, -1.5f, false), (ScalarOp.Pow, 2f, false), (ScalarOp.Pow, 3f, false),
            (ScalarOp.Pow, 0.5f, true), (ScalarOp.Pow, -1.25f, true), (ScalarOp.RSub, 2f, false), (ScalarOp.RDiv, 3f, true),
            (ScalarOp.ClampMin, 0.25f, false), (ScalarOp.ClampMax, -0.25f, false),
        ];
        foreach (var (op, s, positive) in cases)
        {
            var x = Normal(n, n + 2).Select(v => positive ? 0.5f + MathF.Abs(v) : v).ToArray();
            using var run = BothBackends.Run((backend, t) => backend.Scalar(op, t[0], s, t[1]), Tensor.FromArray(x, n), Tensor.Empty([n]));
            // +, −, ×, ÷ and the clamps are exact on both sides; powf is within a few ulp.
            if (op == ScalarOp.Pow) run.AssertClose(1, 1e-6, 0, $"{op} {s} of {n}");
            else run.AssertBitwise(1, $"{op} {s} of {n}");
        }
    }

    [Fact]
    public void ReluAndClampsLetNaNThroughAsTorchDoes()
    {
        float[] x = [float.NaN, -1f, 0.5f, float.NegativeInfinity, float.PositiveInfinity, -0f, 2f];
        using var relu = BothBackends.Run((backend, t) => backend.Unary(UnaryOp.Relu, t[0], t[1]), Tensor.FromArray(x, x.Length), Tensor.Empty([x.Length]));
        relu.AssertBitwise(1, "Relu");
        Assert.True(float.IsNaN(relu.Cuda[1].ToArray<float>()[0]));
        foreach (var op in new[] { ScalarOp.ClampMin, ScalarOp.ClampMax })
        {
            using var clamp = BothBackends.Run((backend, t) => backend.Scalar(op, t[0], 0.25f, t[1]), Tensor.FromArray(x, x.Length), Tensor.Empty([x.Length]));
            clamp.AssertClose(1, 0, 0, $"{op}");
            Assert.True(float.IsNaN(clamp.Cuda[1].ToArray<float>()[0]), $"{op} of NaN");
        }
    }

    [Fact]
    public void OutputMayBeTheInput()
    {
        var x = Normal(257, 9);
        using var device = ToDevice(Tensor.FromArray(x, x.Length));
        Backend.Unary(UnaryOp.Tanh, device, device);
        Backend.Scalar(ScalarOp.Mul, device, 2f, device);
        var expected = x.Select(v => 2f * MathF.Tanh(v)).ToArray();
        CudaAssert.Close(expected, device.ToArray<float>(), 2e-6, 1e-7, "in-place tanh then ×2");
    }

    [Fact]
    public void AnUnknownOpIsRefused()
    {
        using var x = Empty([3]);
        Assert.Throws<NotSupportedException>(() => Backend.Unary((UnaryOp)99, x, x));
        Assert.Throws<NotSupportedException>(() => Backend.Scalar((ScalarOp)99, x, 1f, x));
    }
}
