namespace ClipEngine.Tests.Support;

using Ops = ClipEngine.Ops;

/// <summary>
/// The fused ops rebuilt from element-wise ops, reductions and reshapes, so that fused forwards and backwards can
/// be checked against autograd through the plain ops. Intermediates are left to the finalizer: nodes save them.
/// </summary>
public static class Composed
{
    /// <summary>x − max − log Σ exp(x − max) along an axis; the max is a constant shift (its gradient cancels).</summary>
    public static Tensor LogSoftmax(Tensor x, int axis)
    {
        var (max, _) = Ops.Max(x, axis, keepDim: true);
        var shifted = x - max.Detach();
        var logSum = Ops.Log(Ops.Sum(Ops.Exp(shifted), axis, keepDim: true));
        return shifted - logSum;
    }

    public static Tensor Softmax(Tensor x, int axis) => Ops.Exp(LogSoftmax(x, axis));

    public static Tensor LayerNorm(Tensor x, Tensor? weight, Tensor? bias, float eps)
    {
        var centred = x - Ops.Mean(x, -1, keepDim: true);
        var variance = Ops.Mean(centred * centred, -1, keepDim: true);
        var y = centred * Ops.Rsqrt(variance + eps);
        if (weight is not null) y *= weight;
        if (bias is not null) y += bias;
        return y;
    }

    /// <summary>Scores q·kᵀ as a broadcast product [B, H, S, Sk, Dh] summed over Dh; the output as [B, H, S, Sk, 1]·[B, H, 1, Sk, Dh] summed over Sk.</summary>
    public static Tensor Attention(Tensor q, Tensor k, Tensor v, bool causal, float scale)
    {
        int b = q.Size(0), h = q.Size(1), s = q.Size(2), sk = k.Size(2), dh = q.Size(3);
        var scores = Ops.Sum(q.Reshape(b, h, s, 1, dh) * k.Reshape(b, h, 1, sk, dh), -1) * scale;
        if (causal)
        {
            var mask = new float[s * sk];
            for (var i = 0; i < s; i++)
            for (var j = i + 1; j < sk; j++)
                mask[i * sk + j] = float.NegativeInfinity;
            scores += Tensor.FromArray(mask, s, sk);
        }
        var p = Softmax(scores, -1);
        return Ops.Sum(p.Reshape(b, h, s, sk, 1) * v.Reshape(b, h, 1, sk, dh), 3);
    }

    /// <summary>−mean_i log_softmax(logits)[i, t_i], the target picked by a constant one-hot mask.</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets)
    {
        int n = logits.Size(0), c = logits.Size(1);
        var oneHot = new float[n * c];
        var t = targets.ToArray<long>();
        for (var i = 0; i < n; i++) oneHot[i * c + t[i]] = 1;
        return Ops.Sum(LogSoftmax(logits, 1) * Tensor.FromArray(oneHot, n, c)) * (-1f / n);
    }

    /// <summary>The row and column cross-entropies against the diagonal: log-softmax along each axis, picked by the identity.</summary>
    public static Tensor ContrastiveLoss(Tensor logits)
    {
        var n = logits.Size(0);
        var identity = new float[n * n];
        for (var i = 0; i < n; i++) identity[i * n + i] = 1;
        var eye = Tensor.FromArray(identity, n, n);
        var picked = (LogSoftmax(logits, 1) + LogSoftmax(logits, 0)) * eye;
        return Ops.Sum(picked) * (-0.5f / n);
    }
}
