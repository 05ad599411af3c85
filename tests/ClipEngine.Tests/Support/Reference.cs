namespace ClipEngine.Tests.Support;

/// <summary>Float64 helpers for the reference implementations in tests.</summary>
public static class Reference
{
    /// <summary>erf to double precision: its Maclaurin series below |x| = 3, 1 − erfc by a continued fraction above.</summary>
    public static double Erf(double x)
    {
        var z = Math.Abs(x);
        double result;
        if (z < 3)
        {
            double sum = 0, term = z;
            for (var n = 0; n < 100; n++)
            {
                var add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
                term *= -z * z / (n + 1);
            }
            result = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            // erfc(z) = exp(−z²)/√π · 1/(z + 1/2/(z + 1/(z + 3/2/(z + …)))), evaluated from the tail.
            double f = z;
            for (var k = 60; k >= 1; k--) f = z + k / 2.0 / f;
            result = 1 - Math.Exp(-z * z) / Math.Sqrt(Math.PI) / f;
        }
        return x < 0 ? -result : result;
    }

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>Applies f to every element.</summary>
    public static double[] Map(double[] x, Func<double, double> f) => x.Select(f).ToArray();

    /// <summary>Element-wise f over two inputs broadcast (PyTorch rules) to a common shape.</summary>
    public static double[] Broadcast(double[] a, int[] shapeA, double[] b, int[] shapeB, Func<double, double, double> f)
    {
        var shape = ShapeUtil.Broadcast(shapeA, shapeB);
        var n = (int)ShapeUtil.NumEl(shape);
        var result = new double[n];
        for (var i = 0; i < n; i++) result[i] = f(a[Index(i, shape, shapeA)], b[Index(i, shape, shapeB)]);
        return result;
    }

    /// <summary>The flat index into a tensor of <paramref name="own"/> shape of output element <paramref name="flat"/> of a broadcast.</summary>
    public static int Index(int flat, int[] shape, int[] own)
    {
        var index = 0;
        var stride = 1;
        for (int d = shape.Length - 1, e = own.Length - 1; e >= 0; d--, e--)
        {
            var coordinate = flat % shape[d];
            flat /= shape[d];
            if (own[e] != 1) index += coordinate * stride;
            stride *= own[e];
        }
        return index;
    }
}
