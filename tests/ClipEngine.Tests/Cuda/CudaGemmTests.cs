using ClipEngine.Backends;
using ClipEngine.Backends.Cpu;

namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;

/// <summary>Strided batched GEMM on the Cuda backend against float64, and its operand checks against the Cpu backend's.</summary>
[Collection(CudaTestDevice.Collection)]
public class CudaGemmTests
{
    public static TheoryData<bool, bool, int, int, int, int, int> Shapes => new()
    {
        // transA, transB, m, n, k, batch, padding added to every leading dimension
        { false, false, 1, 1, 1, 1, 0 },
        { false, true, 3, 17, 5, 1, 0 },
        { true, false, 17, 3, 65, 1, 2 },
        { true, true, 65, 33, 17, 1, 1 },
        { false, false, 17, 65, 3, 3, 0 },
        { true, true, 5, 7, 9, 4, 3 },
        { false, true, 33, 1, 257, 2, 0 },
        { false, false, 4, 5, 0, 2, 0 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void StridedBatchedGemmMatchesFloat64(bool transA, bool transB, int m, int n, int k, int batch, int padding)
    {
        foreach (var (alpha, beta) in new[] { (1f, 0f), (-0.5f, 1f), (2f, 0.25f) })
        {
            // Leading dimensions padded past the stored row, and a matrix stride with a gap, as views of larger buffers have.
            int rowsA = transA ? k : m, colsA = transA ? m : k, rowsB = transB ? n : k, colsB = transB ? k : n;
            int lda = colsA + padding, ldb = colsB + padding, ldc = n + padding;
            long strideA = (long)rowsA * lda + padding, strideB = (long)rowsB * ldb + padding, strideC = (long)m * ldc + padding;
            var shape = new GemmShape(transA, transB, m, n, k, Math.Max(1, lda), Math.Max(1, ldb), Math.Max(1, ldc), strideA, strideB, strideC, batch);
            var a = Normal((int)(strideA * batch), m + k);
            var b = Normal((int)(strideB * batch), n + k + 1);
            var c = Normal((int)(strideC * batch), m + n + 2);
            using var run = BothBackends.Run((backend, t) => backend.Gemm(shape, alpha, t[0], t[1], beta, t[2]),
                Tensor.FromArray(a, a.Length), Tensor.FromArray(b, b.Length), Tensor.FromArray(c, c.Length));
            var actual = run.Cuda[2].ToArray<float>();

            for (var p = 0; p < batch; p++)
            {
                for (var i = 0; i < m; i++)
                {
                    for (var j = 0; j < n; j++)
                    {
                        double sum = 0, magnitude = 0;
                        for (var q = 0; q < k; q++)
                        {
                            double x = a[p * strideA + (transA ? (long)q * lda + i : (long)i * lda + q)];
                            double y = b[p * strideB + (transB ? (long)j * ldb + q : (long)q * ldb + j)];
                            sum += x * y;
                            magnitude += Math.Abs(x * y);
                        }
                        var at = p * strideC + (long)i * ldc + j;
                        var expected = alpha * sum + beta * c[at];
                        // fp32 accumulation in any order (cuBLAS's differs from the CPU SGEMM's) stays within k·eps·Σ|a·b|.
                        var tolerance = 1e-6 * (k + 1) * (Math.Abs(alpha) * magnitude + Math.Abs(beta * c[at])) + 1e-30;
                        Assert.True(Math.Abs(actual[at] - expected) <= tolerance, $"C[{p}, {i}, {j}] of {shape} alpha {alpha} beta {beta}: {actual[at]} vs {expected}");
                        c[at] = float.NaN;
                    }
                }
            }
            // What lies between the rows and matrices of C is not C's and stays as it was.
            for (var at = 0; at < c.Length; at++)
                if (!float.IsNaN(c[at])) Assert.Equal(c[at], actual[at]);
        }
    }

    [Fact]
    public void BatchStrideZeroReusesOneMatrix()
    {
        var shape = new GemmShape(false, false, 3, 5, 4, 4, 5, 5, StrideA: 12, StrideB: 0, StrideC: 15, Batch: 3);
        using var run = BothBackends.Run((backend, t) => backend.Gemm(shape, 1f, t[0], t[1], 0f, t[2]),
            Tensor.FromArray(Normal(36, 1), 36), Tensor.FromArray(Normal(20, 2), 20), Tensor.Empty([45]));
        run.AssertClose(2, 1e-6, 1e-6, "B broadcast over the batch");
    }

    [Fact]
    public void OperandsThatRunPastTheirTensorAreRefusedAsOnTheCpu()
    {
        // B [4, 5] needs 20 elements; 19 are given. C with a row stride of 6 needs 3·6 − 1 = 17 > 15.
        var shapes = new[]
        {
            (Shape: new GemmShape(false, false, 3, 5, 4, 4, 5, 5), A: 12, B: 19, C: 15),
            (Shape: new GemmShape(false, false, 3, 5, 4, 4, 5, 6), A: 12, B: 20, C: 15),
            (Shape: new GemmShape(true, false, 3, 5, 4, 3, 5, 5, StrideA: 12, Batch: 2), A: 23, B: 20, C: 15),
        };
        foreach (var (shape, sizeA, sizeB, sizeC) in shapes)
        {
            using var cpuA = Tensor.Zeros([sizeA]);
            using var cpuB = Tensor.Zeros([sizeB]);
            using var cpuC = Tensor.Zeros([sizeC]);
            using var deviceA = ToDevice(cpuA);
            using var deviceB = ToDevice(cpuB);
            using var deviceC = ToDevice(cpuC);
            var expected = Assert.Throws<ArgumentOutOfRangeException>(() => CpuBackend.Instance.Gemm(shape, 1f, cpuA, cpuB, 0f, cpuC));
            var actual = Assert.Throws<ArgumentOutOfRangeException>(() => Backend.Gemm(shape, 1f, deviceA, deviceB, 0f, deviceC));
            Assert.Equal(expected.Message, actual.Message);
        }
    }

    [Fact]
    public void NonF32OperandsAreRefused()
    {
        using var a = Empty([4], DType.BF16);
        using var b = Empty([4]);
        using var c = Empty([4]);
        Assert.Throws<ArgumentException>(() => Backend.Gemm(new GemmShape(false, false, 2, 2, 2, 2, 2, 2), 1f, a, b, 0f, c));
    }
}
