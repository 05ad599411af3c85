using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Ops;

using Ops = ClipEngine.Ops;

public class PatchEmbedTests
{
    /// <summary>Float64 conv2d with kernel = stride = p and no bias, as [B, N, D] with the patch grid row-major.</summary>
    private static double[] ConvReference(double[] images, double[] weight, int batch, int channels, int height, int width, int features, int p)
    {
        int gridH = height / p, gridW = width / p;
        var y = new double[batch * gridH * gridW * features];
        for (var b = 0; b < batch; b++)
        for (var gy = 0; gy < gridH; gy++)
        for (var gx = 0; gx < gridW; gx++)
        for (var d = 0; d < features; d++)
        {
            double sum = 0;
            for (var c = 0; c < channels; c++)
            for (var ky = 0; ky < p; ky++)
            for (var kx = 0; kx < p; kx++)
                sum += images[((b * channels + c) * height + gy * p + ky) * width + gx * p + kx] * weight[((d * channels + c) * p + ky) * p + kx];
            y[((b * gridH + gy) * gridW + gx) * features + d] = sum;
        }
        return y;
    }

    public static TheoryData<int, int, int, int, int, int> Cases => new()
    {
        { 1, 1, 1, 1, 1, 1 },
        { 2, 3, 4, 6, 5, 2 },
        { 1, 3, 9, 6, 17, 3 },
        { 2, 1, 8, 8, 3, 4 },
        { 1, 3, 32, 16, 65, 16 },
        { 0, 3, 4, 4, 2, 2 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void PatchEmbedMatchesConv2d(int batch, int channels, int height, int width, int features, int p) =>
        OpCheck.Check(
            t => Ops.PatchEmbed(t[0], t[1]),
            v => ConvReference(v[0], v[1], batch, channels, height, width, features, p),
            [InputSpec.Normal(batch, channels, height, width), InputSpec.Normal(features, channels, p, p)],
            expectedShape: [batch, height / p * (width / p), features]);

    [Fact]
    public void PatchEmbedWithoutGradients()
    {
        using var images = Tensor.Ones([1, 2, 4, 4]);
        using var weight = Tensor.Ones([3, 2, 2, 2]);
        using var y = Ops.PatchEmbed(images, weight);
        Assert.Equal([1, 4, 3], y.Shape);
        Assert.All(y.ToArray(), v => Assert.Equal(8f, v));
    }

    [Fact]
    public void ComposedOpsBackpropagateInsideATensorScope()
    {
        using var images = Tensor.Ones([1, 2, 4, 4]);
        using var weight = Tensor.Ones([3, 2, 2, 2]);
        images.RequiresGrad = true;
        weight.RequiresGrad = true;
        using (TensorScope.Begin())
        {
            var tokens = Ops.PatchEmbed(images, weight);
            var pooled = Ops.SelectRows(tokens, Tensor.FromArray([3L], 1));
            var loss = Ops.Sum(Ops.IndexSelect(pooled, 1, Tensor.FromArray([0L, 2L], 2)));
            loss.Backward();
        }
        // Only the last patch (grid cell 1, 1) reaches the loss, through output features 0 and 2.
        var expectedWeight = new float[24];
        for (var i = 0; i < 8; i++) expectedWeight[i] = expectedWeight[16 + i] = 1f;
        Assert.Equal(expectedWeight, weight.Grad!.ToArray());
        var expectedImages = new float[32];
        for (var c = 0; c < 2; c++)
            foreach (var (y, x) in new[] { (2, 2), (2, 3), (3, 2), (3, 3) })
                expectedImages[(c * 4 + y) * 4 + x] = 2f;
        Assert.Equal(expectedImages, images.Grad!.ToArray());
    }

    [Fact]
    public void SizesThatAreNotMultiplesOfThePatchAreRejected()
    {
        using var images = Tensor.Zeros([1, 3, 10, 8]);
        using var weight = Tensor.Zeros([4, 3, 4, 4]);
        Assert.Contains("patch size 4", Assert.Throws<ArgumentException>(() => Ops.PatchEmbed(images, weight)).Message);
        using var wrongChannels = Tensor.Zeros([4, 2, 2, 2]);
        Assert.Contains("[4, 2, 2, 2]", Assert.Throws<ArgumentException>(() => Ops.PatchEmbed(images, wrongChannels)).Message);
    }
}
