using ClipEngine.Backends;

namespace ClipEngine.Tests.Cuda.Emulator;

[Collection(EmulatorCollection.Name)]
public sealed class GemmTests(EmulatorFixture fixture)
{
    public static TheoryData<bool, bool> Transposes => new() { { false, false }, { true, false }, { false, true }, { true, true } };

    // Error bound relative to sum |alpha a b| + |beta c|: fp32 accumulation of k terms, as in the Cpu SGEMM tests.
    [Theory]
    [MemberData(nameof(Transposes))]
    public void Float32BatchedGemmMatchesFloat64(bool transA, bool transB)
    {
        const int m = 19, n = 23, k = 37, batch = 3;
        var shape = Shape(transA, transB, m, n, k, batch);
        var (a, b, c) = Operands(shape, seed: 1);
        using var da = DeviceArray<float>.From(fixture.Driver, a);
        using var db = DeviceArray<float>.From(fixture.Driver, b);
        using var dc = DeviceArray<float>.From(fixture.Driver, c);
        fixture.Driver.Gemm(shape, DType.F32, DType.F32, 1.5f, da.Pointer, db.Pointer, -0.5f, dc.Pointer, 0);

        var result = dc.ToArray();
        Check(shape, 1.5, a, b, -0.5, c, result, relative: 1e-6 * Math.Sqrt(k + 1));
    }

    [Theory]
    [MemberData(nameof(Transposes))]
    public void BFloat16GemmMatchesFloat64OfTheRoundedInputs(bool transA, bool transB)
    {
        const int m = 17, n = 9, k = 64, batch = 2;
        var shape = Shape(transA, transB, m, n, k, batch);
        var (a, b, c) = Operands(shape, seed: 2);
        var (a16, b16, c16) = (ToBf16(a), ToBf16(b), ToBf16(c));
        using var da = DeviceArray<ushort>.From(fixture.Driver, a16);
        using var db = DeviceArray<ushort>.From(fixture.Driver, b16);
        using var dc = DeviceArray<ushort>.From(fixture.Driver, c16);
        fixture.Driver.Gemm(shape, DType.BF16, DType.BF16, 1f, da.Pointer, db.Pointer, 1f, dc.Pointer, 0);

        var result = dc.ToArray().Select(BFloat16Bits.ToFloat).ToArray();
        // The result is rounded once to bf16 (relative error 2^-9) after fp32 accumulation.
        Check(shape, 1, [.. a16.Select(BFloat16Bits.ToFloat)], [.. b16.Select(BFloat16Bits.ToFloat)], 1,
            [.. c16.Select(BFloat16Bits.ToFloat)], result, relative: Math.Pow(2, -8));
    }

    [Fact]
    public void BFloat16ResultLeavesPaddingBetweenRowsUntouched()
    {
        // C rows of 5 elements stored with row stride 8: elements 5..7 of each row are not part of the result.
        var shape = new GemmShape(false, false, 3, 5, 2, 2, 5, 8);
        var a = Enumerable.Range(1, 6).Select(i => BFloat16Bits.FromFloat(i)).ToArray();
        var b = Enumerable.Range(1, 10).Select(i => BFloat16Bits.FromFloat(i)).ToArray();
        var c = Enumerable.Repeat((ushort)0x7FC1, 24).ToArray();
        using var da = DeviceArray<ushort>.From(fixture.Driver, a);
        using var db = DeviceArray<ushort>.From(fixture.Driver, b);
        using var dc = DeviceArray<ushort>.From(fixture.Driver, c);
        fixture.Driver.Gemm(shape, DType.BF16, DType.BF16, 1f, da.Pointer, db.Pointer, 0f, dc.Pointer, 0);

        var result = dc.ToArray();
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 8; j++)
            {
                if (j >= 5) Assert.Equal((ushort)0x7FC1, result[i * 8 + j]);
                else Assert.Equal((float)((2 * i + 1) * (j + 1) + (2 * i + 2) * (j + 6)), BFloat16Bits.ToFloat(result[i * 8 + j]));
            }
        }
    }

    private static GemmShape Shape(bool transA, bool transB, int m, int n, int k, int batch)
    {
        // Leading dimensions a little wider than the matrices, so strides are exercised.
        int lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 1, ldc = n + 2;
        return new GemmShape(transA, transB, m, n, k, lda, ldb, ldc,
            (long)(transA ? k : m) * lda, (long)(transB ? n : k) * ldb, (long)m * ldc, batch);
    }

    private static (float[] A, float[] B, float[] C) Operands(GemmShape s, int seed)
    {
        var random = new Random(seed);
        float[] Random(long count) => [.. Enumerable.Range(0, (int)count).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        return (Random(s.StrideA * s.Batch), Random(s.StrideB * s.Batch), Random(s.StrideC * s.Batch));
    }

    private static ushort[] ToBf16(float[] values) => [.. values.Select(BFloat16Bits.FromFloat)];

    private static void Check(GemmShape s, double alpha, float[] a, float[] b, double beta, float[] c0, float[] c, double relative)
    {
        for (var batch = 0; batch < s.Batch; batch++)
        {
            for (var i = 0; i < s.M; i++)
            {
                for (var j = 0; j < s.N; j++)
                {
                    double sum = 0, magnitude = 0;
                    for (var p = 0; p < s.K; p++)
                    {
                        var x = a[batch * s.StrideA + (s.TransA ? (long)p * s.Lda + i : (long)i * s.Lda + p)];
                        var y = b[batch * s.StrideB + (s.TransB ? (long)j * s.Ldb + p : (long)p * s.Ldb + j)];
                        sum += (double)x * y;
                        magnitude += Math.Abs((double)x * y);
                    }
                    var at = batch * s.StrideC + (long)i * s.Ldc + j;
                    var expected = alpha * sum + beta * c0[at];
                    var bound = relative * (Math.Abs(alpha) * magnitude + Math.Abs(beta * c0[at]));
                    Assert.True(Math.Abs(c[at] - expected) <= bound, $"batch {batch} C[{i},{j}] = {c[at]}, expected {expected} ± {bound}");
                }
            }
        }
    }
}
