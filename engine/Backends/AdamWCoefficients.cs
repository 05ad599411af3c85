using System.Runtime.InteropServices;

namespace ClipEngine.Backends;

/// <summary>
/// The float constants of one AdamW step, computed once in double from <see cref="AdamWStepArgs"/> as PyTorch does
/// in Python, so that every backend runs the same float update (see CpuBackend.AdamW for the order of operations).
/// Same layout as <c>AdamWCoefficients</c> in kernels/adamw.cu.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct AdamWCoefficients(in AdamWStepArgs args)
{
    /// <summary>1 − lr·wd, the decoupled weight decay.</summary>
    public readonly float Decay = (float)(1 - args.Lr * args.WeightDecay);
    public readonly float OneMinusBeta1 = (float)(1 - args.Beta1);
    public readonly float Beta2 = (float)args.Beta2;
    public readonly float OneMinusBeta2 = (float)(1 - args.Beta2);

    /// <summary>√(1 − β₂ᵗ).</summary>
    public readonly float BiasCorrection2Sqrt = (float)Math.Sqrt(1 - Math.Pow(args.Beta2, args.Step));

    /// <summary>lr / (1 − β₁ᵗ).</summary>
    public readonly float StepSize = (float)(args.Lr / (1 - Math.Pow(args.Beta1, args.Step)));
    public readonly float Eps = (float)args.Eps;
    public readonly float GradScale = args.GradScale;
}
