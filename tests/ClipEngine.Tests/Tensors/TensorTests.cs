namespace ClipEngine.Tests.Tensors;

public class TensorTests
{
    [Fact]
    public void CreationFunctionsFillAsPyTorchDoes()
    {
        using var z = Tensor.Zeros([2, 3]);
        using var o = Tensor.Ones([4], DType.I32);
        using var f = Tensor.Full([2], 7.5, DType.BF16);
        using var a = Tensor.Arange(2, 11, 3);
        using var down = Tensor.Arange(5, 0, -2);
        Assert.Equal(new float[6], z.ToArray());
        Assert.Equal([1, 1, 1, 1], o.ToArray<int>());
        Assert.Equal([7.5f, 7.5f], f.ToArray());
        Assert.Equal([2L, 5L, 8L], a.ToArray<long>());
        Assert.Equal([5L, 3L, 1L], down.ToArray<long>());
    }

    [Fact]
    public void ReshapeInfersOneDimensionAndRejectsBadShapes()
    {
        using var x = Tensor.Zeros([2, 3, 4]);
        using var y = x.Reshape(6, -1);
        Assert.Equal([6, 4], y.Shape);
        var error = Assert.Throws<ArgumentException>(() => x.Reshape(5, -1));
        Assert.Contains("[2, 3, 4]", error.Message);
        Assert.Throws<ArgumentException>(() => x.Reshape(-1, -1));
    }

    [Fact]
    public void RandomTensorsAreReproducibleAndHaveTheRequestedMoments()
    {
        using var a = Tensor.Randn([100_000], new Generator(42));
        using var b = Tensor.Randn([100_000], new Generator(42));
        Assert.Equal(a.ToArray(), b.ToArray());
        var values = a.ToArray();
        var mean = values.Average();
        var variance = values.Select(v => (v - mean) * (v - mean)).Average();
        // 100 000 samples: standard error of the mean ≈ 0.003, of the variance ≈ 0.0045.
        Assert.InRange(mean, -0.015, 0.015);
        Assert.InRange(variance, 0.98, 1.02);

        using var u = Tensor.Rand([100_000], new Generator(1), -2f, 2f);
        var uniform = u.ToArray();
        Assert.All(uniform, v => Assert.InRange(v, -2f, 2f));
        Assert.InRange(uniform.Average(), -0.03, 0.03);
    }

    [Fact]
    public void ConsecutiveDrawsContinueTheStreamInsteadOfRepeatingIt()
    {
        var generator = new Generator(7);
        using var first = Tensor.Rand([5], generator);
        using var second = Tensor.Rand([5], generator);
        Assert.NotEqual(first.ToArray(), second.ToArray());
        // Element i of a uniform draw comes from block offset + i/4: the second draw starts at block 2.
        Assert.Equal(4UL, generator.Offset);
        using var restarted = Tensor.Rand([5], new Generator(7) { Offset = 2 });
        Assert.Equal(second.ToArray(), restarted.ToArray());
    }

    [Fact]
    public void PhiloxMatchesThePublishedKnownAnswer()
    {
        // Random123's kat_vectors: philox4x32_10 with counter = 0 and key = 0.
        var (a, b, c, d) = Generator.Philox(0, 0);
        Assert.Equal([0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u], new[] { a, b, c, d });
    }

    [Theory]
    [InlineData(1.0f, (ushort)0x3F80)]
    [InlineData(-2.0f, (ushort)0xC000)]
    [InlineData(1.00390625f, (ushort)0x3F80)] // exactly halfway, even neighbour below
    [InlineData(1.01171875f, (ushort)0x3F82)] // exactly halfway, odd neighbour below rounds up
    [InlineData(1.0039064f, (ushort)0x3F81)] // just above halfway
    [InlineData(float.PositiveInfinity, (ushort)0x7F80)]
    [InlineData(3.4028235e38f, (ushort)0x7F80)] // max float rounds to infinity
    public void BFloat16RoundsToNearestEven(float value, ushort expected)
    {
        Assert.Equal(expected, BFloat16Bits.FromFloat(value));
        using var t = Tensor.FromArray([value], 1);
        using var bf = t.To(DType.BF16);
        Assert.Equal([expected], bf.ToArray<ushort>());
    }

    [Fact]
    public void CastsRoundTripThroughEveryDType()
    {
        var values = new[] { -3f, -0.5f, 0f, 1.25f, 1000f };
        using var x = Tensor.FromArray(values, 5);
        foreach (var dtype in new[] { DType.BF16, DType.F16, DType.F64 })
        {
            using var there = x.To(dtype);
            using var back = there.To(DType.F32);
            Assert.Equal(values, back.ToArray());
        }
        using var ints = x.To(DType.I64);
        Assert.Equal([-3L, 0L, 0L, 1L, 1000L], ints.ToArray<long>());
    }

    [Fact]
    public void ToStringLooksLikePyTorch()
    {
        using var x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        Assert.Equal("tensor([[1.0000, 2.0000, 3.0000],\n        [4.0000, 5.0000, 6.0000]], shape=[2, 3], dtype=F32)", x.ToString());
        using var big = Tensor.Arange(0, 10);
        Assert.Equal("tensor([0, 1, 2, ..., 7, 8, 9], shape=[10], dtype=I64)", big.ToString());
        using var scalar = Tensor.Scalar(2.5f);
        Assert.Equal("tensor(2.5000, shape=[], dtype=F32)", scalar.ToString());
    }

    [Fact]
    public void ItemAndToArrayRejectMisuseClearly()
    {
        using var x = Tensor.Zeros([2]);
        Assert.Throws<InvalidOperationException>(() => x.Item());
        Assert.Throws<InvalidOperationException>(() => x.ToArray<int>());
        using var i = Tensor.Zeros([1], DType.I32);
        Assert.Throws<InvalidOperationException>(() => i.RequiresGrad = true);
    }
}
