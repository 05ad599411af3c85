using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Nn;

/// <summary>Float64 forms of the layers, on flattened row-major arrays.</summary>
internal static class NnReference
{
    /// <summary>rows × [in] · weight [out, in]ᵀ + bias [out].</summary>
    public static double[] Linear(double[] x, double[] weight, double[]? bias, int inFeatures, int outFeatures)
    {
        var rows = x.Length / inFeatures;
        var y = new double[rows * outFeatures];
        for (var r = 0; r < rows; r++)
        for (var o = 0; o < outFeatures; o++)
        {
            var sum = bias?[o] ?? 0;
            for (var i = 0; i < inFeatures; i++) sum += x[r * inFeatures + i] * weight[o * inFeatures + i];
            y[r * outFeatures + o] = sum;
        }
        return y;
    }

    /// <summary>
    /// nn.MultiheadAttention(d, heads, batch_first=True) on x [B, S, d] as self-attention: q, k, v are rows [0, d),
    /// [d, 2d), [2d, 3d) of the in-projection; head h reads columns [h·Dh, (h+1)·Dh) of each; scores scale by 1/√Dh.
    /// </summary>
    public static double[] MultiheadAttention(double[] x, double[] inWeight, double[]? inBias, double[] outWeight, double[]? outBias, int batch, int length, int d, int heads, bool causal)
    {
        var dh = d / heads;
        var qkv = Linear(x, inWeight, inBias, d, 3 * d);
        var merged = new double[batch * length * d];
        for (var b = 0; b < batch; b++)
        {
            // One [heads, S, Dh] block per projection, the layout the attention reference takes.
            double[] Heads(int part)
            {
                var block = new double[heads * length * dh];
                for (var h = 0; h < heads; h++)
                for (var s = 0; s < length; s++)
                for (var e = 0; e < dh; e++)
                    block[(h * length + s) * dh + e] = qkv[(b * length + s) * 3 * d + part * d + h * dh + e];
                return block;
            }
            var o = FusedReference.Attention(Heads(0), Heads(1), Heads(2), heads, length, length, dh, causal, 1 / Math.Sqrt(dh));
            for (var h = 0; h < heads; h++)
            for (var s = 0; s < length; s++)
            for (var e = 0; e < dh; e++)
                merged[(b * length + s) * d + h * dh + e] = o[(h * length + s) * dh + e];
        }
        return Linear(merged, outWeight, outBias, d, d);
    }
}
