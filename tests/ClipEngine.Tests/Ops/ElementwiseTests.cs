using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Ops;

using Ops = ClipEngine.Ops;

public class ElementwiseTests
{
    public static TheoryData<int[], int[]> BroadcastShapes => new()
    {
        { [1], [1] },
        { [3], [3] },
        { [17], [1] },
        { [4, 65], [65] },
        { [2, 3, 5], [3, 1] },
        { [1, 5], [4, 1] },
        { [2, 1, 3], [1, 4, 1] },
        { [], [3, 2] },
        { [0, 3], [3] },
    };

    private static readonly Dictionary<string, (Func<Tensor, Tensor, Tensor> Op, Func<double, double, double> Ref)> BinaryOps = new()
    {
        ["add"] = (Ops.Add, (a, b) => a + b),
        ["sub"] = (Ops.Sub, (a, b) => a - b),
        ["mul"] = (Ops.Mul, (a, b) => a * b),
        ["div"] = (Ops.Div, (a, b) => a / b),
        ["pow"] = (Ops.Pow, Math.Pow),
    };

    [Theory]
    [MemberData(nameof(BroadcastShapes))]
    public void BinaryOpsBroadcastAndDifferentiate(int[] shapeA, int[] shapeB)
    {
        foreach (var (name, (op, reference)) in BinaryOps)
        {
            // pow and div want a positive base/divisor so the math stays real and well conditioned.
            var a = name == "pow" ? InputSpec.Positive(shapeA) : InputSpec.Normal(shapeA);
            var b = name is "div" or "pow" ? InputSpec.Positive(shapeB) : InputSpec.Normal(shapeB);
            OpCheck.Check(
                t => op(t[0], t[1]),
                v => Reference.Broadcast(v[0], shapeA, v[1], shapeB, reference),
                [a, b],
                expectedShape: ShapeUtil.Broadcast(shapeA, shapeB));
        }
    }

    public static TheoryData<string> UnaryNames => new(["neg", "exp", "log", "sqrt", "rsqrt", "sigmoid", "tanh", "relu", "gelu", "gelu_tanh", "quick_gelu"]);

    private static (Func<Tensor, Tensor> Op, Func<double, double> Ref, bool Positive) UnaryOp(string name) => name switch
    {
        "neg" => (Ops.Neg, x => -x, false),
        "exp" => (Ops.Exp, Math.Exp, false),
        "log" => (Ops.Log, Math.Log, true),
        "sqrt" => (Ops.Sqrt, Math.Sqrt, true),
        "rsqrt" => (Ops.Rsqrt, x => 1 / Math.Sqrt(x), true),
        "sigmoid" => (Ops.Sigmoid, Reference.Sigmoid, false),
        "tanh" => (Ops.Tanh, Math.Tanh, false),
        "relu" => (Ops.Relu, x => Math.Max(x, 0), false),
        "gelu" => (x => Ops.Gelu(x), x => 0.5 * x * (1 + Reference.Erf(x / Math.Sqrt(2))), false),
        "gelu_tanh" => (x => Ops.Gelu(x, "tanh"), x => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))), false),
        "quick_gelu" => (Ops.QuickGelu, x => x * Reference.Sigmoid(1.702 * x), false),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(UnaryNames))]
    public void UnaryOpsMatchFloat64(string name)
    {
        var (op, reference, positive) = UnaryOp(name);
        foreach (var shape in new[] { new[] { 1 }, [3], [17, 65], [2, 0] })
        {
            var spec = positive ? InputSpec.Positive(shape) : InputSpec.Normal(shape);
            OpCheck.Check(t => op(t[0]), v => Reference.Map(v[0], reference), [spec], expectedShape: shape);
        }
    }

    [Fact]
    public void LargeUnaryAndBinaryOpsSpanSeveralChunks()
    {
        // 100 003 elements: several parallel chunks plus a ragged tail.
        OpCheck.Check(t => Ops.Exp(t[0]), v => Reference.Map(v[0], Math.Exp), [InputSpec.Normal(100_003)]);
        OpCheck.Check(t => t[0] * t[1], v => Reference.Broadcast(v[0], [3, 33_335], v[1], [33_335], (a, b) => a * b),
            [InputSpec.Normal(3, 33_335), InputSpec.Normal(33_335)]);
    }

    [Fact]
    public void ScalarOpsMatchFloat64()
    {
        int[] shape = [5, 7];
        OpCheck.Check(t => t[0] + 2.5f, v => Reference.Map(v[0], x => x + 2.5), [InputSpec.Normal(shape)]);
        OpCheck.Check(t => t[0] * -3f, v => Reference.Map(v[0], x => x * -3), [InputSpec.Normal(shape)]);
        OpCheck.Check(t => 1.5f - t[0], v => Reference.Map(v[0], x => 1.5 - x), [InputSpec.Normal(shape)]);
        OpCheck.Check(t => 2f / t[0], v => Reference.Map(v[0], x => 2 / x), [InputSpec.Positive(shape)]);
        OpCheck.Check(t => Ops.Pow(t[0], 3f), v => Reference.Map(v[0], x => x * x * x), [InputSpec.Normal(shape)]);
        OpCheck.Check(t => Ops.Pow(t[0], 0.5f), v => Reference.Map(v[0], Math.Sqrt), [InputSpec.Positive(shape)]);
        OpCheck.Check(t => Ops.Clamp(t[0], -0.5f, 0.7f), v => Reference.Map(v[0], x => Math.Clamp(x, -0.5, 0.7)), [InputSpec.Normal(shape)]);
        OpCheck.Check(t => Ops.Clamp(t[0], min: 0.1f), v => Reference.Map(v[0], x => Math.Max(x, 0.1)), [InputSpec.Normal(shape)]);
    }

    [Fact]
    public void IncompatibleShapesNameBothShapes()
    {
        using var a = Tensor.Zeros([2, 3]);
        using var b = Tensor.Zeros([4]);
        var error = Assert.Throws<ArgumentException>(() => a + b);
        Assert.Contains("[2, 3]", error.Message);
        Assert.Contains("[4]", error.Message);
    }
}
