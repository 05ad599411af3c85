namespace ClipEngine.Optim;

/// <summary>The norm of every gradient taken together, and the clipping factor that AdamW folds into its update.</summary>
public static class GradClip
{
    /// <summary>
    /// √(Σ over parameters of Σ g²), the L2 norm of all gradients concatenated; parameters without a gradient
    /// count as zero. The sums run on the gradients' device (in F32); only the final scalar comes back.
    /// </summary>
    public static float GlobalNorm(IEnumerable<Tensor> parameters)
    {
        using var scope = TensorScope.Begin();
        using var _ = Autograd.NoGrad();
        Tensor? total = null;
        foreach (var p in parameters)
        {
            if (p.Grad is not { } g) continue;
            var squares = Ops.Sum(g * g);
            total = total is null ? squares : total + squares.To(total.Device);
        }
        return total is null ? 0f : MathF.Sqrt(total.Item());
    }

    /// <summary>
    /// torch.nn.utils.clip_grad_norm_ without touching the gradients: returns the total norm and the factor
    /// min(1, maxNorm / (norm + 1e-6)) to pass to <see cref="AdamW.Step"/>, which scales the gradients as it reads them.
    /// </summary>
    public static GradClipResult ClipGradNorm(IEnumerable<Tensor> parameters, float maxNorm)
    {
        var norm = GlobalNorm(parameters);
        return new GradClipResult(norm, Math.Min(1f, maxNorm / (norm + 1e-6f)));
    }
}

/// <summary>The gradients' global L2 norm before clipping, and the factor that clips them to the maximum norm.</summary>
public readonly record struct GradClipResult(float TotalNorm, float Scale);
