using ClipEngine.Backends;
using ClipEngine.Backends.Cpu;

namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;

/// <summary>
/// One backend op run twice on copies of the same host tensors, on the Cpu backend and on the test device, with the
/// tensors afterwards (inputs, outputs and whatever the op updated in place) brought back to the host on each side.
/// </summary>
public sealed class BothBackends : IDisposable
{
    private BothBackends(Tensor[] cpu, Tensor[] cuda)
    {
        Cpu = cpu;
        Cuda = cuda;
    }

    /// <summary>The tensors after the Cpu backend ran the op.</summary>
    public Tensor[] Cpu { get; }

    /// <summary>The tensors after the Cuda backend ran the op, copied to the host.</summary>
    public Tensor[] Cuda { get; }

    /// <summary>Runs <paramref name="op"/> on copies of <paramref name="tensors"/> on the device, then on the host tensors themselves, which this object then owns.</summary>
    public static BothBackends Run(Action<IBackend, Tensor[]> op, params Tensor[] tensors)
    {
        var device = tensors.Select(ToDevice).ToArray();
        try
        {
            op(Backend, device);
            op(CpuBackend.Instance, tensors);
            return new BothBackends(tensors, [.. device.Select(t => t.To(ClipEngine.Device.Cpu))]);
        }
        finally
        {
            foreach (var t in device) t.Dispose();
        }
    }

    /// <summary>Tensor <paramref name="i"/> on both sides must hold the same bytes.</summary>
    public void AssertBitwise(int i, string what) =>
        Assert.True(Cpu[i].ToBytes().SequenceEqual(Cuda[i].ToBytes()), $"{what}: the Cuda result differs from the Cpu result");

    /// <summary>Float tensor <paramref name="i"/>: |cuda − cpu| ≤ relative·|cpu| + absolute per element, NaN where the Cpu has NaN.</summary>
    public void AssertClose(int i, double relative, double absolute, string what) =>
        CudaAssert.Close(Cpu[i].ToArray<float>(), Cuda[i].ToArray<float>(), relative, absolute, what);

    public void Dispose()
    {
        foreach (var t in Cpu.Concat(Cuda)) t.Dispose();
    }
}

public static class CudaAssert
{
    /// <summary>|actual − expected| ≤ relative·|expected| + absolute per element; NaN must meet NaN, an infinity the same infinity.</summary>
    public static void Close(float[] expected, float[] actual, double relative, double absolute, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            var same = double.IsNaN(e) ? double.IsNaN(a) : double.IsInfinity(e) ? e == a : Math.Abs(a - e) <= relative * Math.Abs(e) + absolute;
            if (!same) Assert.Fail($"{what}: element {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
