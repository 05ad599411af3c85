namespace ClipEngine.Clip.Tests.Model;

/// <summary>Per-tensor relative error ‖a − b‖ / ‖b‖ in float64, the goldens' measure.</summary>
internal static class Relative
{
    public static double Error(float[] actual, double[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double diff = 0, norm = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var d = actual[i] - expected[i];
            diff += d * d;
            norm += expected[i] * expected[i];
        }
        Assert.True(norm > 0, "the reference tensor is all zeros, so a relative error is undefined");
        return Math.Sqrt(diff / norm);
    }

    /// <summary>Asserts the relative error is within tolerance, naming the tensor; returns it for reporting.</summary>
    public static double Check(string name, float[] actual, double[] expected, double tolerance)
    {
        var error = Error(actual, expected);
        Assert.True(error <= tolerance, $"{name}: relative error {error:E3} exceeds {tolerance:E1}");
        return error;
    }
}
