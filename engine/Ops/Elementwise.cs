using ClipEngine.Backends;

namespace ClipEngine;

// Element-wise math with broadcasting. Backward of a broadcast input sums the gradient back to its shape (SumTo).
// These ops keep BF16 on a backend that has BF16 kernels for them (IBackend.SupportsBf16).
public static partial class Ops
{
    public static Tensor Add(Tensor a, Tensor b) => Binary(BinaryOp.Add, a, b);

    public static Tensor Sub(Tensor a, Tensor b) => Binary(BinaryOp.Sub, a, b);

    public static Tensor Mul(Tensor a, Tensor b) => Binary(BinaryOp.Mul, a, b);

    public static Tensor Div(Tensor a, Tensor b) => Binary(BinaryOp.Div, a, b);

    public static Tensor Pow(Tensor a, Tensor b) => Binary(BinaryOp.Pow, a, b);

    public static Tensor Add(Tensor x, float s) => Scalar(ScalarOp.Add, x, s);

    public static Tensor Mul(Tensor x, float s) => Scalar(ScalarOp.Mul, x, s);

    public static Tensor Pow(Tensor x, float exponent) => Scalar(ScalarOp.Pow, x, exponent);

    /// <summary>s − x.</summary>
    public static Tensor RSub(float s, Tensor x) => Scalar(ScalarOp.RSub, x, s);

    /// <summary>s / x.</summary>
    public static Tensor RDiv(float s, Tensor x) => Scalar(ScalarOp.RDiv, x, s);

    /// <summary>Clamps into [min, max] (either bound may be null); the gradient passes where x is inside.</summary>
    public static Tensor Clamp(Tensor x, float? min = null, float? max = null)
    {
        if (min is null && max is null) throw new ArgumentException("Clamp needs a min, a max or both");
        if (min is { } lo && max is { } hi)
        {
            // The intermediate is saved by the second node, so it is left to the enclosing TensorScope.
            var low = Scalar(ScalarOp.ClampMin, x, lo);
            return Scalar(ScalarOp.ClampMax, low, hi);
        }
        return min is { } m ? Scalar(ScalarOp.ClampMin, x, m) : Scalar(ScalarOp.ClampMax, x, max!.Value);
    }

    public static Tensor Neg(Tensor x) => Unary(UnaryOp.Neg, x);

    public static Tensor Exp(Tensor x) => Unary(UnaryOp.Exp, x);

    public static Tensor Log(Tensor x) => Unary(UnaryOp.Log, x);

    public static Tensor Sqrt(Tensor x) => Unary(UnaryOp.Sqrt, x);

    public static Tensor Rsqrt(Tensor x) => Unary(UnaryOp.Rsqrt, x);

    public static Tensor Sigmoid(Tensor x) => Unary(UnaryOp.Sigmoid, x);

    public static Tensor Tanh(Tensor x) => Unary(UnaryOp.Tanh, x);

    public static Tensor Relu(Tensor x) => Unary(UnaryOp.Relu, x);

    /// <summary>GELU; approximate "tanh" selects PyTorch's tanh form, "none" the exact erf form.</summary>
    public static Tensor Gelu(Tensor x, string approximate = "none") => approximate switch
    {
        "none" => Unary(UnaryOp.Gelu, x),
        "tanh" => Unary(UnaryOp.GeluTanh, x),
        _ => throw new ArgumentException($"GELU approximation '{approximate}' is not 'none' or 'tanh'", nameof(approximate)),
    };

    /// <summary>x·σ(1.702x), the activation of OpenAI's CLIP.</summary>
    public static Tensor QuickGelu(Tensor x) => Unary(UnaryOp.QuickGelu, x);

    private static Tensor Unary(UnaryOp op, Tensor x)
    {
        x = Bf16OrFp32(x, op.ToString());
        var y = x.NewEmpty(x.Dims);
        x.Backend.Unary(op, x, y);
        return Autograd.Needs(x) ? Autograd.Record(y, new UnaryNode(op, x, y)) : y;
    }

    private static Tensor Scalar(ScalarOp op, Tensor x, float s)
    {
        x = Bf16OrFp32(x, op.ToString());
        var y = x.NewEmpty(x.Dims);
        x.Backend.Scalar(op, x, s, y);
        return Autograd.Needs(x) ? Autograd.Record(y, new ScalarNode(op, x, s, y)) : y;
    }

    private static Tensor Binary(BinaryOp op, Tensor a, Tensor b)
    {
        CheckSameDevice(a, b, op.ToString());
        a = Bf16OrFp32(a, op.ToString());
        b = Bf16OrFp32(b, op.ToString());
        // Type promotion as torch's: BF16 with BF16 stays BF16, BF16 with F32 is F32.
        var c = a.NewEmpty(ShapeUtil.Broadcast(a.Dims, b.Dims), a.DType == b.DType ? a.DType : DType.F32);
        a.Backend.Binary(op, a, b, c);
        return Autograd.Needs(a, b) ? Autograd.Record(c, new BinaryNode(op, a, b, c)) : c;
    }

    private sealed class UnaryNode(UnaryOp op, Tensor x, Tensor y) : GradNode(x)
    {
        public override string Name => op + "Backward";

        protected internal override Tensor?[] Backward(Tensor g)
        {
            var gx = x.NewEmpty(x.Dims);
            x.Backend.UnaryBackward(op, x, y, g, gx);
            return [gx];
        }
    }

    private sealed class ScalarNode(ScalarOp op, Tensor x, float s, Tensor y) : GradNode(x)
    {
        public override string Name => op + "ScalarBackward";

        protected internal override Tensor?[] Backward(Tensor g)
        {
            switch (op)
            {
                case ScalarOp.Add: return [g.Clone()];
                case ScalarOp.Mul: return [Mul(g, s)];
                case ScalarOp.RSub: return [Neg(g)];
                case ScalarOp.Pow:
                {
                    using var power = Pow(x, s - 1f);
                    using var factor = Mul(power, s);
                    return [Mul(g, factor)];
                }
                case ScalarOp.RDiv:
                {
                    // d(s/x)/dx = −s/x² = −y/x
                    using var ratio = Div(y, x);
                    using var factor = Neg(ratio);
                    return [Mul(g, factor)];
                }
                default:
                {
                    // The gradient passes where x lies inside the bound: ReLU's mask of (x − min) or (max − x).
                    using var inside = op == ScalarOp.ClampMin ? Add(x, -s) : RSub(s, x);
                    var gx = x.NewEmpty(x.Dims);
                    x.Backend.UnaryBackward(UnaryOp.Relu, inside, inside, g, gx);
                    return [gx];
                }
            }
        }
    }

    private sealed class BinaryNode(BinaryOp op, Tensor a, Tensor b, Tensor c) : GradNode(a, b)
    {
        public override string Name => op + "Backward";

        protected internal override Tensor?[] Backward(Tensor g)
        {
            Tensor? ga = null, gb = null;
            switch (op)
            {
                case BinaryOp.Add:
                    if (NeedsGrad(0)) ga = SumTo(g, a.Dims);
                    if (NeedsGrad(1)) gb = SumTo(g, b.Dims);
                    break;
                case BinaryOp.Sub:
                    if (NeedsGrad(0)) ga = SumTo(g, a.Dims);
                    if (NeedsGrad(1))
                    {
                        using var negated = Neg(g);
                        gb = SumTo(negated, b.Dims);
                    }
                    break;
                case BinaryOp.Mul:
                    if (NeedsGrad(0)) ga = ProductSumTo(g, b, a.Dims);
                    if (NeedsGrad(1)) gb = ProductSumTo(g, a, b.Dims);
                    break;
                case BinaryOp.Div:
                    if (NeedsGrad(0))
                    {
                        using var quotient = Div(g, b);
                        ga = SumTo(quotient, a.Dims);
                    }
                    if (NeedsGrad(1))
                    {
                        // d(a/b)/db = −c/b
                        using var ratio = Div(c, b);
                        using var factor = Neg(ratio);
                        gb = ProductSumTo(g, factor, b.Dims);
                    }
                    break;
                case BinaryOp.Pow:
                    if (NeedsGrad(0))
                    {
                        // b·a^(b−1), not b·c/a, so that a = 0 gives the right limit
                        using var exponent = Add(b, -1f);
                        using var power = Pow(a, exponent);
                        using var factor = Mul(b, power);
                        ga = ProductSumTo(g, factor, a.Dims);
                    }
                    if (NeedsGrad(1))
                    {
                        using var logA = Log(a);
                        using var factor = Mul(c, logA);
                        gb = ProductSumTo(g, factor, b.Dims);
                    }
                    break;
            }
            return [ga, gb];
        }

        private static Tensor ProductSumTo(Tensor g, Tensor factor, int[] shape)
        {
            using var product = Mul(g, factor);
            return SumTo(product, shape);
        }
    }
}
