using ClipEngine.Backends;
using ClipEngine.Backends.Cpu;

namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;

/// <summary>
/// The BF16 variants of the unary, scalar and binary kernels against the Cpu backend's F32 result on the same
/// BF16-rounded inputs, rounded to BF16 where the Cuda output is BF16 (IBackend.SupportsBf16: math in fp32, each
/// BF16 result rounded once).
/// </summary>
[Collection(CudaTestDevice.Collection)]
public class CudaBf16ElementwiseTests
{
    public static TheoryData<int> Sizes => [1, 17, 4097];

    /// <summary>The dtypes (a, b, c) the contract allows for a binary op.</summary>
    public static TheoryData<DType, DType, DType> BinaryDTypes => new()
    {
        { DType.F32, DType.F32, DType.F32 },
        { DType.BF16, DType.BF16, DType.BF16 },
        { DType.F32, DType.BF16, DType.F32 },
        { DType.BF16, DType.F32, DType.F32 },
    };

    private static readonly (int[] A, int[] B)[] BinaryShapes =
    [
        // same shapes: the four-element packs and their tail
        ([1], [1]), ([3], [3]), ([17], [17]), ([4097], [4097]), ([1, 4097], [4097]),
        // broadcasting
        ([5, 1, 7], [3, 1]), ([17], [1]), ([1], [4097]), ([4, 65], [65]), ([], [3, 2]), ([0, 3], [3]), ([2, 1, 3], [1, 4, 1]),
    ];

    [Theory]
    [MemberData(nameof(Sizes))]
    public void EveryUnaryOpAndItsBackwardMatchCpuInBf16(int n)
    {
        foreach (var op in Enum.GetValues<UnaryOp>())
        {
            // As in CudaUnaryTests: normals scaled by 3 reach the GELU tails and saturate sigmoid and tanh; log and the roots get positives.
            var x = RoundToBf16([.. Normal(n, n).Select(v => op is UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.Rsqrt ? 0.05f + MathF.Abs(3 * v) : 3 * v)]);
            var gy = RoundToBf16(Normal(n, n + 1));
            // The f32 tolerances of CudaUnaryTests (the two libms differ by a few ulp), before rounding to bf16.
            var absolute = op == UnaryOp.GeluTanh ? 1e-6 : 1e-7;

            var y = CpuF32(t => CpuBackend.Instance.Unary(op, t[0], t[1]), [x], n);
            using (var yDevice = Empty([n], DType.BF16))
            {
                using var xDevice = ToDevice(Bf16(x, [n]));
                Backend.Unary(op, xDevice, yDevice);
                AssertBf16Close(y, yDevice.ToArray(), i => 2e-6 * Math.Abs(y[i]) + absolute, $"{op} of {n}");
            }

            // Both sides get the same bf16 y: the one a BF16 forward stores.
            var yRounded = RoundToBf16(y);
            var gx = CpuF32(t => CpuBackend.Instance.UnaryBackward(op, t[0], t[1], t[2], t[3]), [x, yRounded, gy], n);
            using var xd = ToDevice(Bf16(x, [n]));
            using var yd = ToDevice(Bf16(yRounded, [n]));
            using var gyd = ToDevice(Bf16(gy, [n]));
            using var gxd = Empty([n], DType.BF16);
            Backend.UnaryBackward(op, xd, yd, gyd, gxd);
            // The tanh GELU's derivative cancels in its left tail, where the Cpu's vectorised kernel is only held to a
            // bound growing with x (CudaUnaryTests.AssertGeluTanhBackwardClose); the others as the forward.
            Func<int, double> bound = op == UnaryOp.GeluTanh
                ? i => 4e-7 * (10 + x[i] * x[i]) * (1 + Math.Abs(x[i])) * Math.Abs(gy[i]) + 1e-7
                : i => 2e-6 * Math.Abs(gx[i]) + absolute;
            AssertBf16Close(gx, gxd.ToArray(), bound, $"{op} backward of {n}");
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void EveryScalarOpMatchesCpuInBf16(int n)
    {
        (ScalarOp Op, float S, bool Positive)[] cases =
        [
            (ScalarOp.Add, 0.75f, false), (ScalarOp.Mul, -1.5f, false), (ScalarOp.Pow, 2f, false), (ScalarOp.Pow, 3f, false),
            (ScalarOp.Pow, 0.5f, true), (ScalarOp.Pow, -1.25f, true), (ScalarOp.RSub, 2f, false), (ScalarOp.RDiv, 3f, true),
            (ScalarOp.ClampMin, 0.25f, false), (ScalarOp.ClampMax, -0.25f, false),
            // a scalar that bf16 cannot hold: the kernel takes it as the float it is
            (ScalarOp.Add, 0.1f, false), (ScalarOp.Mul, 1.001f, false),
        ];
        foreach (var (op, s, positive) in cases)
        {
            var x = RoundToBf16([.. Normal(n, n + 2).Select(v => positive ? 0.5f + MathF.Abs(v) : v)]);
            var expected = CpuF32(t => CpuBackend.Instance.Scalar(op, t[0], s, t[1]), [x], n);
            using var xDevice = ToDevice(Bf16(x, [n]));
            using var yDevice = Empty([n], DType.BF16);
            Backend.Scalar(op, xDevice, s, yDevice);
            // +, −, ×, ÷ and the clamps are correctly rounded in fp32 on both sides, so the bf16 results are equal; powf within a few ulp.
            var relative = op == ScalarOp.Pow ? 1e-6 : 0;
            AssertBf16Close(expected, yDevice.ToArray(), i => relative * Math.Abs(expected[i]), $"{op} {s} of {n}");
        }
    }

    [Theory]
    [MemberData(nameof(BinaryDTypes))]
    public void EveryBinaryOpMatchesCpuInEveryDTypeCombination(DType typeA, DType typeB, DType typeC)
    {
        foreach (var (shapeA, shapeB) in BinaryShapes)
        {
            var shapeC = ShapeUtil.Broadcast(shapeA, shapeB);
            foreach (var op in Enum.GetValues<BinaryOp>())
            {
                // Division and pow get a positive right side (pow a positive base too), so the results stay finite and real.
                var a = Values(shapeA, 1, positive: op == BinaryOp.Pow, typeA);
                var b = Values(shapeB, 2, positive: op is BinaryOp.Div or BinaryOp.Pow, typeB);
                using var cpuA = Tensor.FromArray(a, shapeA);
                using var cpuB = Tensor.FromArray(b, shapeB);
                using var cpuC = Tensor.Empty(shapeC);
                CpuBackend.Instance.Binary(op, cpuA, cpuB, cpuC);
                var expected = cpuC.ToArray<float>();

                using var deviceA = ToDevice(typeA == DType.BF16 ? Bf16(a, shapeA) : cpuA);
                using var deviceB = ToDevice(typeB == DType.BF16 ? Bf16(b, shapeB) : cpuB);
                using var deviceC = Empty(shapeC, typeC);
                Backend.Binary(op, deviceA, deviceB, deviceC);

                // +, −, ×, ÷ are correctly rounded in fp32 on both sides, so they agree exactly (after rounding to
                // bf16 where c is BF16); powf within a few ulp (up to 8).
                var what = $"{op} {typeA} {ShapeUtil.Format(shapeA)} with {typeB} {ShapeUtil.Format(shapeB)} -> {typeC}";
                var relative = op == BinaryOp.Pow ? 1e-6 : 0;
                Assert.Equal(typeC, deviceC.DType);
                if (typeC == DType.BF16) AssertBf16Close(expected, deviceC.ToArray(), i => relative * Math.Abs(expected[i]), what);
                else CudaAssert.Close(expected, deviceC.ToArray<float>(), relative, 0, what);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(4097)]
    public void Bf16OutputMayBeEitherInput(int n)
    {
        var a = RoundToBf16(Normal(n, 3));
        var b = RoundToBf16([.. Normal(n, 4).Select(v => 0.5f + MathF.Abs(v))]);
        using var deviceA = ToDevice(Bf16(a, [n]));
        using var deviceB = ToDevice(Bf16(b, [n]));

        Backend.Binary(BinaryOp.Mul, deviceA, deviceB, deviceA);
        Backend.Binary(BinaryOp.Div, deviceA, deviceB, deviceB);
        Backend.Unary(UnaryOp.Neg, deviceB, deviceB);

        var product = RoundToBf16([.. a.Select((v, i) => v * b[i])]);
        Assert.Equal(product, deviceA.ToArray());
        Assert.Equal(RoundToBf16([.. product.Select((v, i) => -(v / b[i]))]), deviceB.ToArray());
    }

    [Fact]
    public void ReluAndClampsLetABf16NaNThrough()
    {
        float[] x = [float.NaN, -1f, 0.5f, float.NegativeInfinity, float.PositiveInfinity, -0f, 2f];
        using var device = ToDevice(Bf16(x, [x.Length]));
        using var y = Empty([x.Length], DType.BF16);
        Backend.Unary(UnaryOp.Relu, device, y);
        Assert.Equal([float.NaN, 0f, 0.5f, 0f, float.PositiveInfinity, 0f, 2f], y.ToArray());
        Backend.Scalar(ScalarOp.ClampMin, device, 0.25f, y);
        Assert.Equal([float.NaN, 0.25f, 0.5f, 0.25f, float.PositiveInfinity, 0.25f, 2f], y.ToArray());
        Backend.Scalar(ScalarOp.ClampMax, device, 0.25f, y);
        Assert.Equal([float.NaN, -1f, 0.25f, float.NegativeInfinity, 0.25f, -0f, 0.25f], y.ToArray());
    }

    [Fact]
    public void DTypeCombinationsOutsideTheContractAreRefused()
    {
        using var f32 = Empty([4]);
        using var bf16 = Empty([4], DType.BF16);
        using var f16 = Empty([4], DType.F16);

        AssertRefused(() => Backend.Unary(UnaryOp.Exp, bf16, f32), "Unary Exp", "BF16, F32");
        AssertRefused(() => Backend.Unary(UnaryOp.Exp, f16, f16), "Unary Exp", "F16, F16");
        AssertRefused(() => Backend.UnaryBackward(UnaryOp.Tanh, bf16, bf16, bf16, f32), "UnaryBackward Tanh", "BF16, BF16, BF16, F32");
        AssertRefused(() => Backend.Scalar(ScalarOp.Mul, f32, 2f, bf16), "Scalar Mul", "F32, BF16");
        AssertRefused(() => Backend.Binary(BinaryOp.Add, f32, bf16, bf16), "Binary Add", "F32, BF16 -> BF16");
        AssertRefused(() => Backend.Binary(BinaryOp.Mul, f32, f32, bf16), "Binary Mul", "F32, F32 -> BF16");
        AssertRefused(() => Backend.Binary(BinaryOp.Sub, bf16, bf16, f32), "Binary Sub", "BF16, BF16 -> F32");
        AssertRefused(() => Backend.Binary(BinaryOp.Div, f16, f32, f32), "Binary Div", "F16, F32 -> F32");
    }

    private static void AssertRefused(Action call, params string[] mentions)
    {
        var e = Assert.Throws<NotSupportedException>(call);
        foreach (var text in mentions) Assert.Contains(text, e.Message);
    }

    /// <summary>
    /// Each bf16 result must be the rounding of some float within <paramref name="tolerance"/>(i) of the Cpu's fp32
    /// result: rounding is monotone, so it lies between the roundings of the interval's ends. With a zero tolerance that
    /// is bitwise equality with the rounded Cpu result; with a few fp32 ulp it is at most one bf16 ulp away. NaN must meet NaN.
    /// </summary>
    private static void AssertBf16Close(float[] cpu, float[] actual, Func<int, double> tolerance, string what)
    {
        Assert.Equal(cpu.Length, actual.Length);
        for (var i = 0; i < cpu.Length; i++)
        {
            if (float.IsNaN(cpu[i]))
            {
                if (!float.IsNaN(actual[i])) Assert.Fail($"{what}: element {i}: expected NaN, got {actual[i]:R}");
                continue;
            }
            var low = RoundToBf16((float)(cpu[i] - tolerance(i)));
            var high = RoundToBf16((float)(cpu[i] + tolerance(i)));
            if (!(low <= actual[i] && actual[i] <= high))
                Assert.Fail($"{what}: element {i}: fp32 {cpu[i]:R} rounds to bf16 {RoundToBf16(cpu[i]):R}, got {actual[i]:R} (allowed [{low:R}, {high:R}])");
        }
    }

    /// <summary>The Cpu backend's F32 output [n] of an op on F32 copies of <paramref name="inputs"/> (each [n]); the output comes last.</summary>
    private static float[] CpuF32(Action<Tensor[]> op, float[][] inputs, int n)
    {
        var tensors = inputs.Select(v => Tensor.FromArray(v, n)).Append(Tensor.Empty([n])).ToArray();
        try
        {
            op(tensors);
            return tensors[^1].ToArray<float>();
        }
        finally
        {
            foreach (var t in tensors) t.Dispose();
        }
    }

    private static float[] Values(int[] shape, int seed, bool positive, DType dtype)
    {
        var values = Normal((int)ShapeUtil.NumEl(shape), seed);
        if (positive) values = [.. values.Select(v => 0.5f + MathF.Abs(v))];
        return dtype == DType.BF16 ? RoundToBf16(values) : values;
    }

    private static Tensor Bf16(float[] values, int[] shape)
    {
        var bits = new ushort[values.Length];
        BFloat16Bits.FromFloat(values, bits);
        return Tensor.FromSpan<ushort>(bits, shape, DType.BF16);
    }

    private static float RoundToBf16(float v) => BFloat16Bits.ToFloat(BFloat16Bits.FromFloat(v));

    private static float[] RoundToBf16(float[] values) => [.. values.Select(RoundToBf16)];
}
