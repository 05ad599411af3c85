using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Ops;

using Ops = ClipEngine.Ops;

public class LossTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 5)]
    [InlineData(3, 17)]
    [InlineData(17, 65)]
    [InlineData(300, 200)] // enough rows to be split across threads
    public void CrossEntropyMatchesFloat64(int n, int c)
    {
        OpCheck.Check(
            t => Ops.CrossEntropy(t[0], t[1]),
            v => [FusedReference.CrossEntropy(v[0], c, v[1])],
            [InputSpec.Normal(n, c), InputSpec.Index(c, n)],
            expectedShape: []);
    }

    [Fact]
    public void CrossEntropyMatchesComposed()
    {
        OpCheck.Equivalent(t => Ops.CrossEntropy(t[0], t[1]), t => Composed.CrossEntropy(t[0], t[1]), [InputSpec.Normal(17, 65), InputSpec.Index(65, 17)]);
    }

    [Fact]
    public void CrossEntropyOfLargeLogitsStaysFinite()
    {
        var spec = new InputSpec([5, 9], r => 100 * InputSpec.NextNormal(r));
        OpCheck.Check(t => Ops.CrossEntropy(t[0], t[1]), v => [FusedReference.CrossEntropy(v[0], 9, v[1])], [spec, InputSpec.Index(9, 5)]);
    }

    [Theory]
    [InlineData(5L)]
    [InlineData(-1L)]
    public void CrossEntropyTargetOutOfRangeIsNamed(long target)
    {
        using var logits = Tensor.Zeros([2, 5]);
        using var targets = Tensor.FromArray([0L, target], 2);
        var error = Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(logits, targets));
        Assert.Contains($"target {target}", error.Message);
        Assert.Contains("C = 5", error.Message);
    }

    [Fact]
    public void CrossEntropyRejectsMismatchedTargets()
    {
        using var logits = Tensor.Zeros([3, 5]);
        using var tooFew = Tensor.FromArray([0L, 1L], 2);
        Assert.Contains("[3, 5]", Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(logits, tooFew)).Message);
        using var ints = Tensor.FromArray([0, 1, 2], 3);
        Assert.Contains("I32", Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(logits, ints)).Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(200)] // enough rows and columns to be split across threads
    public void ContrastiveLossMatchesFloat64(int n)
    {
        OpCheck.Check(t => Ops.ContrastiveLoss(t[0]), v => [FusedReference.ContrastiveLoss(v[0], n)], [InputSpec.Normal(n, n)], expectedShape: []);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(17)]
    public void ContrastiveLossMatchesComposed(int n)
    {
        OpCheck.Equivalent(t => Ops.ContrastiveLoss(t[0]), t => Composed.ContrastiveLoss(t[0]), [InputSpec.Normal(n, n)]);
    }

    [Fact]
    public void ContrastiveLossIsTheMeanOfTheTwoCrossEntropies()
    {
        const int n = 17;
        var random = new Random(5);
        var values = Enumerable.Range(0, n * n).Select(_ => (double)(float)InputSpec.NextNormal(random)).ToArray();
        using var logits = Tensor.FromDoubles(values, [n, n]);
        using var transposed = Tensor.FromDoubles(FusedReference.Transpose(values, n), [n, n]);
        using var diagonal = Tensor.Arange(0, n);
        using var loss = Ops.ContrastiveLoss(logits);
        using var rows = Ops.CrossEntropy(logits, diagonal);
        using var columns = Ops.CrossEntropy(transposed, diagonal);
        Assert.Equal((rows.Item() + columns.Item()) / 2, loss.Item(), 1e-5f);
    }

    [Fact]
    public void ContrastiveLossOfClipScaledLogitsStaysFinite()
    {
        // CLIP multiplies cosine similarities by exp(logit_scale) up to 100.
        var spec = new InputSpec([9, 9], r => 100 * (2 * r.NextDouble() - 1));
        OpCheck.Check(t => Ops.ContrastiveLoss(t[0]), v => [FusedReference.ContrastiveLoss(v[0], 9)], [spec]);
    }

    [Fact]
    public void ContrastiveLossRejectsNonSquareLogits()
    {
        using var logits = Tensor.Zeros([3, 4]);
        Assert.Contains("[3, 4]", Assert.Throws<ArgumentException>(() => Ops.ContrastiveLoss(logits)).Message);
    }
}
