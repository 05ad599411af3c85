namespace ClipEngine.Tests.Support;

/// <summary>Float64 references of the fused neural-network ops, written the plain way, on flattened row-major data.</summary>
public static class FusedReference
{
    public static double LogSumExp(ReadOnlySpan<double> row)
    {
        var max = double.NegativeInfinity;
        foreach (var v in row) max = Math.Max(max, v);
        if (double.IsNegativeInfinity(max)) return max;
        var sum = 0.0;
        foreach (var v in row) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }

    /// <summary>Softmax (or log-softmax) of each row of length n.</summary>
    public static double[] Softmax(double[] x, int n, bool log)
    {
        var y = new double[x.Length];
        for (var r = 0; r < x.Length / Math.Max(n, 1); r++)
        {
            var row = x.AsSpan(r * n, n);
            var lse = LogSumExp(row);
            for (var j = 0; j < n; j++) y[r * n + j] = log ? row[j] - lse : Math.Exp(row[j] - lse);
        }
        return y;
    }

    public static double[] LayerNorm(double[] x, int d, double[]? weight, double[]? bias, double eps)
    {
        var y = new double[x.Length];
        for (var r = 0; r < x.Length / d; r++)
        {
            var row = x.AsSpan(r * d, d);
            var mean = 0.0;
            foreach (var v in row) mean += v;
            mean /= d;
            var variance = 0.0;
            foreach (var v in row) variance += (v - mean) * (v - mean);
            variance /= d;
            for (var j = 0; j < d; j++)
                y[r * d + j] = (row[j] - mean) / Math.Sqrt(variance + eps) * (weight?[j] ?? 1) + (bias?[j] ?? 0);
        }
        return y;
    }

    /// <summary>softmax(q·kᵀ·scale, masking keys j > i when causal) · v for heads × [s, dh] queries and heads × [sk, dh] keys and values.</summary>
    public static double[] Attention(double[] q, double[] k, double[] v, int heads, int s, int sk, int dh, bool causal, double scale)
    {
        var o = new double[heads * s * dh];
        var scores = new double[sk];
        for (var h = 0; h < heads; h++)
        {
            for (var i = 0; i < s; i++)
            {
                for (var j = 0; j < sk; j++)
                {
                    var dot = 0.0;
                    for (var e = 0; e < dh; e++) dot += q[(h * s + i) * dh + e] * k[(h * sk + j) * dh + e];
                    scores[j] = causal && j > i ? double.NegativeInfinity : dot * scale;
                }
                var p = Softmax(scores, sk, log: false);
                for (var j = 0; j < sk; j++)
                for (var e = 0; e < dh; e++)
                    o[(h * s + i) * dh + e] += p[j] * v[(h * sk + j) * dh + e];
            }
        }
        return o;
    }

    /// <summary>Mean over rows of log Σ exp(row) − row[target].</summary>
    public static double CrossEntropy(double[] logits, int classes, double[] targets)
    {
        var total = 0.0;
        for (var r = 0; r < targets.Length; r++)
            total += LogSumExp(logits.AsSpan(r * classes, classes)) - logits[r * classes + (int)targets[r]];
        return total / targets.Length;
    }

    /// <summary>(CE(logits, arange) + CE(logitsᵀ, arange)) / 2 for logits [n, n].</summary>
    public static double ContrastiveLoss(double[] logits, int n)
    {
        var diagonal = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        return (CrossEntropy(logits, n, diagonal) + CrossEntropy(Transpose(logits, n), n, diagonal)) / 2;
    }

    public static double[] Transpose(double[] x, int n)
    {
        var t = new double[x.Length];
        for (var i = 0; i < n; i++)
        for (var j = 0; j < n; j++)
            t[j * n + i] = x[i * n + j];
        return t;
    }
}
