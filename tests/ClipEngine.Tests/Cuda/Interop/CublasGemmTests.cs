using ClipEngine.Backends;
using ClipEngine.Backends.Cuda.Interop;

namespace ClipEngine.Tests.Cuda.Interop;

/// <summary>
/// The row-major → column-major operand swap, checked without a GPU: a literal float64 transcription of cuBLAS's
/// documented column-major GemmStridedBatched, run on the mapped arguments, against the row-major definition.
/// </summary>
public class CublasGemmTests
{
    public static TheoryData<bool, bool, int, long, long> Cases => new()
    {
        { false, false, 1, 0, 0 },
        { true, false, 1, 0, 0 },
        { false, true, 1, 0, 0 },
        { true, true, 1, 0, 0 },
        { false, true, 3, 1, 1 },
        { true, false, 3, 0, 1 },
        { false, false, 2, 1, 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheSwappedColumnMajorCallComputesTheRowMajorProduct(bool transA, bool transB, int batch, long aBatched, long bBatched)
    {
        const int m = 5, n = 4, k = 3, pad = 2;
        var lda = (transA ? m : k) + pad;
        var ldb = (transB ? k : n) + pad;
        var ldc = n + pad;
        var aRows = transA ? k : m;
        var bRows = transB ? n : k;
        var shape = new GemmShape(transA, transB, m, n, k, lda, ldb, ldc,
            aBatched * aRows * lda, bBatched * bRows * ldb, (long)m * ldc, batch);
        var random = new Random(7);
        double[] Fill(long count) => [.. Enumerable.Range(0, (int)count).Select(_ => random.NextDouble() * 2 - 1)];
        var a = Fill(aRows * lda * (aBatched * (batch - 1) + 1));
        var b = Fill(bRows * ldb * (bBatched * (batch - 1) + 1));
        var c = Fill((long)m * ldc * batch);
        const double alpha = 1.5, beta = -0.5;

        var expected = RowMajor(shape, alpha, a, b, beta, (double[])c.Clone());
        var g = CublasGemm.FromRowMajor(shape);
        var actual = ColumnMajorStridedBatched(g.TransFirst, g.TransSecond, g.M, g.N, g.K, alpha,
            b, g.LdFirst, g.StrideFirst, a, g.LdSecond, g.StrideSecond, beta, (double[])c.Clone(), g.Ldc, g.StrideC, g.Batch);

        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-12);
    }

    private static double[] RowMajor(GemmShape s, double alpha, double[] a, double[] b, double beta, double[] c)
    {
        for (var batch = 0; batch < s.Batch; batch++)
        for (var r = 0; r < s.M; r++)
        for (var col = 0; col < s.N; col++)
        {
            double sum = 0;
            for (var p = 0; p < s.K; p++)
            {
                var av = a[batch * s.StrideA + (s.TransA ? p * s.Lda + r : r * s.Lda + p)];
                var bv = b[batch * s.StrideB + (s.TransB ? col * s.Ldb + p : p * s.Ldb + col)];
                sum += av * bv;
            }
            var at = batch * s.StrideC + r * s.Ldc + col;
            c[at] = alpha * sum + beta * c[at];
        }
        return c;
    }

    // cublas<t>gemmStridedBatched: C[i + j·ldc] = α Σ_p op(A)(i, p) op(B)(p, j) + β C, column-major.
    private static double[] ColumnMajorStridedBatched(bool transA, bool transB, int m, int n, int k, double alpha,
        double[] a, int lda, long strideA, double[] b, int ldb, long strideB, double beta, double[] c, int ldc, long strideC, int batchCount)
    {
        for (var batch = 0; batch < batchCount; batch++)
        for (var i = 0; i < m; i++)
        for (var j = 0; j < n; j++)
        {
            double sum = 0;
            for (var p = 0; p < k; p++)
            {
                var av = a[batch * strideA + (transA ? p + i * lda : i + p * lda)];
                var bv = b[batch * strideB + (transB ? j + p * ldb : p + j * ldb)];
                sum += av * bv;
            }
            var at = batch * strideC + i + j * ldc;
            c[at] = alpha * sum + beta * c[at];
        }
        return c;
    }
}
