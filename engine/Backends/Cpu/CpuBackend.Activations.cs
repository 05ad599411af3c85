using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ClipEngine.Backends.Cpu;

// The GELU family, 8 floats per step with VectorMath. Forward y = f(x); backward gx = gy · f'(x) from x alone.
//   exact GELU  f = x·Φ(x),                 f' = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π)
//   QuickGELU   f = x·σ(1.702x),            f' = σ + 1.702x·σ·(1 − σ)
//   tanh GELU   f = x·(1 + tanh u)/2 = x·σ(2u) with u = √(2/π)(x + 0.044715x³),
//               f' = σ + 2x·σ·(1 − σ)·√(2/π)(1 + 3·0.044715x²)
// Unary and UnaryBackward hand these loops contiguous chunks of 16K elements, spread over the cores.
// Each activation is a struct, so the generic loops below are compiled once per activation with its math inlined.
// The ragged tail (fewer than 8 elements) goes through an 8-float buffer, so each formula exists once.
public sealed unsafe partial class CpuBackend
{
    private interface IActivation
    {
        static abstract Vector256<float> Value(Vector256<float> x);

        static abstract Vector256<float> Derivative(Vector256<float> x);
    }

    /// <summary>y = f(x) over n elements; x and y may be the same memory.</summary>
    private static void Activate<T>(float* x, float* y, int n) where T : IActivation
    {
        var width = Vector256<float>.Count;
        var i = 0;
        for (; i <= n - width; i += width) T.Value(Vector256.Load(x + i)).Store(y + i);
        if (i == n) return;
        var tail = stackalloc float[width];
        new ReadOnlySpan<float>(x + i, n - i).CopyTo(new Span<float>(tail, width));
        T.Value(Vector256.Load(tail)).Store(tail);
        new ReadOnlySpan<float>(tail, n - i).CopyTo(new Span<float>(y + i, n - i));
    }

    /// <summary>gx = gy · f'(x) over n elements.</summary>
    private static void ActivateBackward<T>(float* x, float* gy, float* gx, int n) where T : IActivation
    {
        var width = Vector256<float>.Count;
        var i = 0;
        for (; i <= n - width; i += width) (Vector256.Load(gy + i) * T.Derivative(Vector256.Load(x + i))).Store(gx + i);
        if (i == n) return;
        var tail = stackalloc float[2 * width];
        new ReadOnlySpan<float>(x + i, n - i).CopyTo(new Span<float>(tail, width));
        new ReadOnlySpan<float>(gy + i, n - i).CopyTo(new Span<float>(tail + width, width));
        (Vector256.Load(tail + width) * T.Derivative(Vector256.Load(tail))).Store(tail);
        new ReadOnlySpan<float>(tail, n - i).CopyTo(new Span<float>(gx + i, n - i));
    }

    private readonly struct GeluExact : IActivation
    {
        private const float InvSqrt2Pi = 0.39894228040143268f;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Value(Vector256<float> x) => x * VectorMath.NormalCdf(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Derivative(Vector256<float> x)
        {
            var density = VectorMath.Exp(Vector256.Create(-0.5f) * x * x) * Vector256.Create(InvSqrt2Pi);
            return Vector256.FusedMultiplyAdd(x, density, VectorMath.NormalCdf(x));
        }
    }

    private readonly struct QuickGelu : IActivation
    {
        private const float Alpha = 1.702f;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Value(Vector256<float> x) => x * VectorMath.Sigmoid(Vector256.Create(Alpha) * x).Sigmoid;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Derivative(Vector256<float> x)
        {
            var (s, complement) = VectorMath.Sigmoid(Vector256.Create(Alpha) * x);
            // x·s·(1 − s) first: one of s, 1 − s is exactly 0 for huge |x|, where 1.702x alone would overflow.
            return Vector256.FusedMultiplyAdd(x * s * complement, Vector256.Create(Alpha), s);
        }
    }

    private readonly struct GeluTanh : IActivation
    {
        private const float Sqrt2OverPi = 0.79788456080286536f;
        private const float Cubic = 0.044715f;

        // Beyond ±20, 2u exceeds 600 and σ(2u) is exactly 0 or 1 in float; clamping x there first keeps x³ from
        // overflowing without changing any result.
        private const float Saturation = 20f;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Value(Vector256<float> x) => x * VectorMath.Sigmoid(TwiceInner(Saturate(x))).Sigmoid;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Derivative(Vector256<float> x)
        {
            var xc = Saturate(x);
            var (s, complement) = VectorMath.Sigmoid(TwiceInner(xc));
            var slope = Vector256.Create(2 * Sqrt2OverPi) * Vector256.FusedMultiplyAdd(Vector256.Create(3 * Cubic) * xc, xc, Vector256<float>.One);
            return Vector256.FusedMultiplyAdd(x * s * complement, slope, s);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Saturate(Vector256<float> x) =>
            Vector256.MinNative(Vector256.MaxNative(x, Vector256.Create(-Saturation)), Vector256.Create(Saturation));

        /// <summary>2u = 2√(2/π)(x + 0.044715x³).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> TwiceInner(Vector256<float> x) =>
            Vector256.Create(2 * Sqrt2OverPi) * Vector256.FusedMultiplyAdd(Vector256.Create(Cubic) * x * x, x, x);
    }
}
