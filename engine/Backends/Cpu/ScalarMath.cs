using System.Runtime.CompilerServices;

namespace ClipEngine.Backends.Cpu;

/// <summary>Scalar functions .NET lacks, accurate to float precision.</summary>
internal static class ScalarMath
{
    private const double InvSqrt2 = 0.70710678118654752440;
    private const double InvSqrt2Pi = 0.39894228040143267794;
    private const float Sqrt2OverPi = 0.7978845608028654f;

    /// <summary>
    /// erfc by the Chebyshev-fitted exponential of Numerical Recipes (§6.2, fractional error below 1.2e-7 for
    /// every x), evaluated in double so that erf = 1 − erfc keeps float accuracy near 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Erf(double x)
    {
        var z = Math.Abs(x);
        var t = 1.0 / (1.0 + 0.5 * z);
        var erfc = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1.0 - erfc : erfc - 1.0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Gelu(float x) => (float)(0.5 * x * (1.0 + Erf(x * InvSqrt2)));

    /// <summary>d/dx x·Φ(x) = Φ(x) + x·φ(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GeluGrad(float x) =>
        (float)(0.5 * (1.0 + Erf(x * InvSqrt2)) + x * InvSqrt2Pi * Math.Exp(-0.5 * x * x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GeluTanh(float x) => 0.5f * x * (1f + MathF.Tanh(Sqrt2OverPi * (x + 0.044715f * x * x * x)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GeluTanhGrad(float x)
    {
        var inner = Sqrt2OverPi * (x + 0.044715f * x * x * x);
        var t = MathF.Tanh(inner);
        return 0.5f * (1f + t) + 0.5f * x * (1f - t * t) * Sqrt2OverPi * (1f + 3f * 0.044715f * x * x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
