using ClipEngine.Backends.Cpu;

namespace ClipEngine.Tests.Cpu;

public unsafe class SgemmTests
{
    // Error bound: |C - C_ref| <= Tolerance * sqrt(k + 1) * (|alpha| * sum_p |A_ip * B_pj| + |beta * C0_ij|), with C_ref
    // computed in float64. A float32 dot product of k terms has a typical rounding error of about 2^-24 * sqrt(k) times
    // that magnitude; 1e-6 leaves a 16x margin while a single dropped or doubled term (an error of order 1/k) still fails.
    private const double Tolerance = 1e-6;

    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 },
        { 1, 17, 3 },
        { 3, 1, 65 },
        { 17, 3, 1 },
        { 3, 17, 65 },
        { 65, 129, 17 },
        { 129, 65, 3 },
        { 24, 96, 256 },
        { 24, 64, 257 },
        { 300, 1, 64 },
        { 1, 300, 129 },
        { 257, 129, 300 },
        { 129, 300, 65 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesFloat64ReferenceForAllTransposes(int m, int n, int k)
    {
        foreach (bool transA in new[] { false, true })
        {
            foreach (bool transB in new[] { false, true })
            {
                Check(new Case(transA, transB, m, n, k, Alpha: 1, Beta: 0, Seed: m * 7919 + n * 31 + k));
            }
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void HonoursPaddedLeadingDimensionsAlphaAndBeta(bool transA, bool transB)
    {
        Check(new Case(transA, transB, 37, 45, 70, Alpha: -1.25f, Beta: 0.5f, Seed: 1, Pad: 5));
        Check(new Case(transA, transB, 130, 67, 19, Alpha: 0.3f, Beta: -2f, Seed: 2, Pad: 13));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void BetaZeroIgnoresNaNInC(bool transA, bool transB)
    {
        Check(new Case(transA, transB, 29, 41, 33, Alpha: 2f, Beta: 0, Seed: 3, Pad: 2, FillC: float.NaN));
    }

    [Fact]
    public void SpansSeveralColumnBlocks()
    {
        // Small enough to stay on one thread, wider than one column block.
        Check(new Case(false, true, 3, 4200, 5, Alpha: 1, Beta: 1, Seed: 4));
        // Multi-threaded with more than one shared column block (n * k above the shared buffer), split by rows and by columns.
        // Only every 5th row is checked: the float64 reference is the slow part.
        CheckParallel(new Case(true, false, 64, 2100, 2050, Alpha: 1, Beta: 0.5f, Seed: 5, Pad: 1, RowStep: 5));
        CheckParallel(new Case(false, true, 13, 4400, 1000, Alpha: 1, Beta: 0, Seed: 6, RowStep: 5));
    }

    [Fact]
    public void LargeEnoughToRunOnEveryThread()
    {
        // Enough rows to split by rows, then too few, which splits by columns.
        CheckParallel(new Case(false, false, 200, 150, 120, Alpha: 1, Beta: 0.25f, Seed: 7, Pad: 3));
        CheckParallel(new Case(true, true, 20, 2000, 90, Alpha: 1, Beta: 0, Seed: 8));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void DeepProductsSplitTheirDepthAcrossThreads(bool transA, bool transB)
    {
        // The weight-gradient shape (k far above m and n): each thread sums k ranges into its own copy of C. The depths
        // are not multiples of the 256-deep blocks; C is scaled by beta once, or ignored (NaN) when beta is 0.
        Assert.True(Sgemm.SplitsDepth(40, 33, 3001) && Sgemm.SplitsDepth(24, 48, 3000));
        CheckParallel(new Case(transA, transB, 40, 33, 3001, Alpha: 0.5f, Beta: -1.5f, Seed: 9, Pad: 3));
        CheckParallel(new Case(transA, transB, 24, 48, 3000, Alpha: 1, Beta: 0, Seed: 10, FillC: float.NaN));
    }

    /// <summary>
    /// A split-depth GEMM gives the same bits however its pieces fall to threads, so that a seeded run trains the
    /// same way twice and a resumed run as an unbroken one: its result is exactly beta·C plus each k range's product
    /// (computed on one thread) in range order. Adding per-thread sums in the order the threads finished made the last
    /// bits of weight gradients, and so whole training runs, vary from run to run.
    /// </summary>
    [Theory]
    [InlineData(false, 0f)]
    [InlineData(true, -0.5f)]
    public void SplitDepthIsBetaCPlusItsPiecesInOrder(bool transA, float beta)
    {
        const int m = 40, n = 33, k = 3001;
        var threads = Environment.ProcessorCount;
        Assert.True(Sgemm.SplitsDepth(m, n, k));
        if (threads == 1) return; // one core runs every GEMM serially
        var rng = new Random(12);
        float[] a = Random(rng, m * k), b = Random(rng, k * n), c0 = Random(rng, m * n);
        var lda = transA ? m : k;
        float[] actual = (float[])c0.Clone();
        fixed (float* pa = a, pb = b, pc = actual)
            Sgemm.GemmStridedBatched(transA, false, m, n, k, 1f, pa, lda, 0, pb, n, 0, beta, pc, n, 0, 1);

        var expected = c0.Select(v => beta == 0 ? 0f : v * beta).ToArray();
        var pieces = Sgemm.SplitDepthPieces(m, n, k, threads);
        Assert.True(pieces > 1);
        var piece = new float[m * n];
        for (var p = 0; p < pieces; p++)
        {
            var (k0, k1) = Sgemm.SplitDepthRange(k, p, pieces);
            Array.Clear(piece);
            fixed (float* pa = a, pb = b, pc = piece)
                Sgemm.Gemm(transA, false, m, n, k1 - k0, 1f, pa + (transA ? (long)k0 * m : k0), lda, pb + (long)k0 * n, n, 1f, pc, n, serial: true);
            for (var i = 0; i < expected.Length; i++) expected[i] += piece[i];
        }
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(0.5f)]
    [InlineData(0f)]
    public void ZeroDepthScalesC(float beta)
    {
        // Also covers alpha == 0, which must not read A or B.
        foreach (var (k, alpha) in new[] { (0, 1f), (7, 0f) })
        {
            const int m = 5, n = 6, ldc = 9;
            float[] c = Filled(m * ldc, beta == 0 ? float.NaN : 3f);
            float[] a = Filled(m * Math.Max(k, 1), float.NaN), b = Filled(Math.Max(k, 1) * n, float.NaN);
            fixed (float* pa = a, pb = b, pc = c)
            {
                Sgemm.Gemm(false, false, m, n, k, alpha, pa, Math.Max(k, 1), pb, n, beta, pc, ldc);
            }
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < ldc; j++)
                {
                    float expected = j < n ? beta * 3f : beta == 0 ? float.NaN : 3f;
                    Assert.Equal(expected, c[i * ldc + j]);
                }
            }
        }
    }

    [Theory]
    [InlineData(1, false, false)]
    [InlineData(3, false, true)]
    [InlineData(4, true, false)]
    [InlineData(5, true, true)]
    public void BatchedMatchesIndependentGemms(int batch, bool broadcastA, bool broadcastB)
    {
        // Large enough that a matrix left over after the whole-matrix rounds is split across threads.
        const int m = 65, n = 47, k = 1100, lda = k + 2, ldb = n + 1, ldc = n + 3;
        var rng = new Random(batch);
        long strideA = broadcastA ? 0 : m * lda + 7, strideB = broadcastB ? 0 : k * ldb + 5, strideC = m * ldc + 11;
        float[] a = Random(rng, (int)(strideA * (batch - 1)) + m * lda);
        float[] b = Random(rng, (int)(strideB * (batch - 1)) + k * ldb);
        float[] c = Random(rng, (int)(strideC * (batch - 1)) + m * ldc);
        float[] c0 = (float[])c.Clone();
        Assert.True((long)m * n * k >= Sgemm.ParallelThreshold);
        fixed (float* pa = a, pb = b, pc = c)
        {
            Sgemm.GemmStridedBatched(false, false, m, n, k, 0.75f, pa, lda, strideA, pb, ldb, strideB,
                -0.5f, pc, ldc, strideC, batch);
        }
        for (int t = 0; t < batch; t++)
        {
            var reference = new Case(false, false, m, n, k, 0.75f, -0.5f, 0);
            AssertClose(reference,
                a.AsSpan((int)(t * strideA), m * lda), lda,
                b.AsSpan((int)(t * strideB), k * ldb), ldb,
                c0.AsSpan((int)(t * strideC), m * ldc), c.AsSpan((int)(t * strideC), m * ldc), ldc);
        }
        // Gaps between consecutive C matrices are not part of any matrix and must be left alone.
        for (int t = 0; t + 1 < batch; t++)
        {
            for (long i = t * strideC + m * ldc; i < (t + 1) * strideC; i++)
            {
                Assert.Equal(c0[i], c[i]);
            }
        }
    }

    [Fact]
    public void RejectsInvalidArguments()
    {
        float x = 0;
        float* p = &x;
        Assert.Throws<ArgumentOutOfRangeException>(() => Sgemm.Gemm(false, false, -1, 1, 1, 1, p, 1, p, 1, 0, p, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sgemm.Gemm(false, false, 2, 2, 3, 1, p, 2, p, 2, 0, p, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sgemm.Gemm(false, true, 2, 4, 3, 1, p, 3, p, 2, 0, p, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sgemm.Gemm(false, false, 2, 4, 3, 1, p, 3, p, 4, 0, p, 3));
    }

    // RowStep > 1 checks only every RowStep-th row of C, and the last.
    private readonly record struct Case(bool TransA, bool TransB, int M, int N, int K, float Alpha, float Beta,
        int Seed, int Pad = 0, float? FillC = null, int RowStep = 1);

    // Sgemm only uses more than one thread above a size threshold; this keeps the multi-threaded cases above it.
    private static void CheckParallel(Case t)
    {
        Assert.True((long)t.M * t.N * t.K >= Sgemm.ParallelThreshold, "case too small to run multi-threaded");
        Check(t);
    }

    // Runs one GEMM on random data whose padding (the columns between the logical width and the leading dimension)
    // is NaN: reading it would poison the result, and writing it would show up in C's padding.
    private static void Check(Case t)
    {
        var rng = new Random(t.Seed);
        int aRows = t.TransA ? t.K : t.M, aCols = t.TransA ? t.M : t.K;
        int bRows = t.TransB ? t.N : t.K, bCols = t.TransB ? t.K : t.N;
        int lda = Math.Max(aCols, 1) + t.Pad, ldb = Math.Max(bCols, 1) + t.Pad, ldc = t.N + t.Pad;
        float[] a = Padded(rng, aRows, aCols, lda, null);
        float[] b = Padded(rng, bRows, bCols, ldb, null);
        float[] c = Padded(rng, t.M, t.N, ldc, t.FillC);
        float[] c0 = (float[])c.Clone();
        fixed (float* pa = a, pb = b, pc = c)
        {
            Sgemm.Gemm(t.TransA, t.TransB, t.M, t.N, t.K, t.Alpha, pa, lda, pb, ldb, t.Beta, pc, ldc);
        }
        AssertClose(t, a, lda, b, ldb, c0, c, ldc);
    }

    private static void AssertClose(Case t, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        ReadOnlySpan<float> c0, ReadOnlySpan<float> c, int ldc)
    {
        double bound = Tolerance * Math.Sqrt(t.K + 1);
        // op(A) row by row and op(B) column by column, so the reference dot products run over contiguous memory.
        double[] opA = new double[t.M * t.K], opB = new double[t.N * t.K];
        for (int p = 0; p < t.K; p++)
        {
            for (int i = 0; i < t.M; i++)
            {
                opA[i * t.K + p] = t.TransA ? a[p * lda + i] : a[i * lda + p];
            }
            for (int j = 0; j < t.N; j++)
            {
                opB[j * t.K + p] = t.TransB ? b[j * ldb + p] : b[p * ldb + j];
            }
        }
        foreach (int i in CheckedRows(t))
        {
            for (int j = 0; j < ldc; j++)
            {
                float actual = c[i * ldc + j];
                if (j >= t.N)
                {
                    if (!actual.Equals(c0[i * ldc + j]))
                    {
                        Assert.Fail($"padding C[{i},{j}] was written");
                    }
                    continue;
                }
                ReadOnlySpan<double> row = opA.AsSpan(i * t.K, t.K), column = opB.AsSpan(j * t.K, t.K);
                double sum = 0, magnitude = 0;
                for (int p = 0; p < row.Length; p++)
                {
                    double x = row[p] * column[p];
                    sum += x;
                    magnitude += Math.Abs(x);
                }
                double expected = t.Alpha * sum, scale = Math.Abs(t.Alpha) * magnitude;
                if (t.Beta != 0)
                {
                    expected += (double)t.Beta * c0[i * ldc + j];
                    scale += Math.Abs((double)t.Beta * c0[i * ldc + j]);
                }
                double error = Math.Abs(actual - expected);
                // Written as a negation so that NaN fails too.
                if (!(error <= bound * scale + double.Epsilon))
                {
                    Assert.Fail($"C[{i},{j}] = {actual}, expected {expected} (error {error:E2} > {bound * scale:E2}) for {t}");
                }
            }
        }
    }

    private static IEnumerable<int> CheckedRows(Case t)
    {
        for (int i = 0; i < t.M; i += t.RowStep)
        {
            yield return i;
        }
        if ((t.M - 1) % t.RowStep != 0)
        {
            yield return t.M - 1;
        }
    }

    private static float[] Padded(Random rng, int rows, int cols, int ld, float? fill)
    {
        float[] x = Filled(rows * ld, float.NaN);
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                x[i * ld + j] = fill ?? rng.NextSingle() * 2 - 1;
            }
        }
        return x;
    }

    private static float[] Random(Random rng, int length)
    {
        float[] x = new float[length];
        for (int i = 0; i < length; i++)
        {
            x[i] = rng.NextSingle() * 2 - 1;
        }
        return x;
    }

    private static float[] Filled(int length, float value)
    {
        float[] x = new float[length];
        Array.Fill(x, value);
        return x;
    }
}
