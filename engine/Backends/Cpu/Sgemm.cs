using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClipEngine.Backends.Cpu;

/// <summary>
/// Row-major single-precision GEMM in the GotoBLAS/BLIS structure: op(B) is packed KC x NC at a time into NR-wide
/// column panels, op(A) MC x KC at a time into MR-high row panels, and a register-blocked micro-kernel computes each
/// MR x NR tile of C from one A panel and one B panel.
/// </summary>
internal static unsafe partial class Sgemm
{
    private const int ScalarMr = 4;
    private const int ScalarNr = 4;
    private const int MaxTile = 8 * 32;

    // Zen 4 per core: 32 KiB L1d, 1 MiB L2, 32 MiB shared L3. A KC x NR panel of B (32 KiB at NR = 32) is re-read by
    // every A panel of the block, an MC x KC block of A (240 KiB) stays in L2 while the B panels stream past it, and a
    // KC x NC block of B (4 MiB) sits in L3.
    private const int Kc = 256;
    private const int McTarget = 240;
    private const int NcTarget = 4096;

    // Below this many multiply-adds a GEMM stays on one thread. Handing work to the thread pool and waiting for it
    // costs ~10-20 us here; measured on 2 cores, the median time of a parallel 128^3 (2.1M) was still worse than serial
    // and 160^3 (4.1M) was 1.5x better.
    internal const long ParallelThreshold = 3L << 20;

    // Cap on the shared packed B of a parallel GEMM (16 MiB). It covers the whole depth k, and every row chunk streams
    // all of it, but a chunk of at least 64 rows does 64 multiply-adds per float read, so even from DRAM it needs only
    // ~1 byte per cycle per core. Each column block beyond the first repacks all of A, so the cap is large enough for
    // every ViT-B layer and 2048^3 to fit in one block; against a 4 MiB cap that measured ~3% faster on 1600x768x3072.
    private const int SharedBFloats = 1 << 22;

    private static readonly int Mr;
    private static readonly int Nr;
    private static readonly int Mc;
    private static readonly int Nc;
    private static readonly delegate*<int, float*, float*, float*, nint, float, float, void> Kernel;

    static Sgemm()
    {
        // The runtime reports Vector512 as not accelerated on parts where 512-bit code downclocks; AVX2 is faster there.
        if (Avx512F.IsSupported && Vector512.IsHardwareAccelerated)
        {
            (Mr, Nr) = (8, 32);
            Kernel = &Kernel8x32Avx512;
        }
        else if (Fma.IsSupported)
        {
            (Mr, Nr) = (6, 16);
            Kernel = &Kernel6x16Avx2;
        }
        else
        {
            (Mr, Nr) = (ScalarMr, ScalarNr);
            Kernel = &KernelScalar;
        }
        Mc = McTarget / Mr * Mr;
        Nc = NcTarget / Nr * Nr;
    }

    /// <summary>
    /// Row-major C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C. A is stored [m,k] (or [k,m] when transA) with row
    /// stride lda; B is stored [k,n] (or [n,k] when transB) with row stride ldb. beta == 0 makes C write-only.
    /// <paramref name="serial"/> keeps it on the calling thread, for callers that already spread work over the cores.
    /// </summary>
    public static void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda,
        float* b, int ldb, float beta, float* c, int ldc, bool serial = false) =>
        GemmStridedBatched(transA, transB, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0, 1, serial);

    /// <summary>
    /// <paramref name="batch"/> independent GEMMs; matrix i of each operand starts i * stride elements after the first.
    /// A stride of 0 reuses one matrix for the whole batch.
    /// </summary>
    public static void GemmStridedBatched(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, long strideA, float* b, int ldb, long strideB, float beta, float* c, int ldc, long strideC,
        int batch, bool serial = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfLessThan(lda, Math.Max(1, transA ? m : k));
        ArgumentOutOfRangeException.ThrowIfLessThan(ldb, Math.Max(1, transB ? k : n));
        ArgumentOutOfRangeException.ThrowIfLessThan(ldc, Math.Max(1, n));
        if (m == 0 || n == 0 || batch == 0)
        {
            return;
        }

        if (k == 0 || alpha == 0)
        {
            for (int i = 0; i < batch; i++)
            {
                Scale(m, n, beta, c + i * strideC, ldc);
            }
            return;
        }

        var p = new Problem(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC);
        int threads = Environment.ProcessorCount;
        long work = (long)m * n * k;
        if (serial || threads == 1 || work * batch < ParallelThreshold)
        {
            for (int i = 0; i < batch; i++)
            {
                p.RunSerial(i);
            }
            return;
        }

        if (batch == 1 && SplitsDepth(m, n, k))
        {
            p.RunSplitDepth(threads);
            return;
        }

        // Whole matrices per thread need no coordination, so they take as much of the batch as divides evenly (or all
        // of it once it is large enough that uneven shares hardly matter); each matrix left over is split across threads.
        int whole = batch >= 4 * threads ? batch : batch / threads * threads;
        if (whole > 0)
        {
            Parallel.For(0, whole, new ParallelOptions { MaxDegreeOfParallelism = threads }, p.RunSerial);
        }
        for (int i = whole; i < batch; i++)
        {
            if (work < ParallelThreshold)
            {
                p.RunSerial(i);
            }
            else
            {
                p.RunParallel(i, threads);
            }
        }
    }

    // A product that is deep and small, as a weight gradient (out x in, summed over every token) is, splits its depth k
    // rather than its rows: whole k ranges are multiplied into private copies of C, and the copies are added at the
    // end (m x n adds per piece, nothing beside the m x n x k multiply-adds). Split by rows, a 192-row C gave two
    // threads three chunks and measured at ~40% of the serial rate per core.
    internal static bool SplitsDepth(int m, int n, int k) => k >= 4 * Math.Max(m, n) && (long)m * n <= MaxSplitDepthC;

    // Floats in one private copy of C for a split-depth GEMM (4 MiB): beyond that the copies cost real memory traffic.
    private const long MaxSplitDepthC = 1 << 20;

    // Floats in all the copies of one split-depth GEMM together (64 MiB), which caps the pieces beyond one per thread.
    private const long MaxSplitDepthCopies = 16 << 20;

    // How many k ranges a split-depth GEMM on `threads` threads is cut into: two per thread, within the copies' cap.
    internal static int SplitDepthPieces(int m, int n, int k, int threads) =>
        (int)Math.Min((k + Kc - 1) / Kc, Math.Min(2L * threads, Math.Max(threads, MaxSplitDepthCopies / ((long)m * n))));

    // The k range [K0, K1) of piece `piece` of `pieces`: whole Kc-deep blocks, shared out evenly; the last may be short.
    internal static (int K0, int K1) SplitDepthRange(int k, int piece, int pieces)
    {
        long blocks = (k + Kc - 1) / Kc;
        return ((int)(blocks * piece / pieces) * Kc, Math.Min(k, (int)(blocks * (piece + 1) / pieces) * Kc));
    }

    private static void Scale(int m, int n, float beta, float* c, nint ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + i * ldc, n);
            if (beta == 0)
            {
                row.Clear();
            }
            else if (beta != 1)
            {
                foreach (ref float x in row)
                {
                    x *= beta;
                }
            }
        }
    }

    private readonly struct Problem(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, nint lda, long strideA, float* b, nint ldb, long strideB, float beta, float* c, nint ldc, long strideC)
    {
        // Element (i, p) of op(A) is at a[i * aStrideI + p * aStrideP]; element (p, j) of op(B) at b[j * bStrideJ + p * bStrideP].
        private readonly nint aStrideI = transA ? 1 : lda, aStrideP = transA ? lda : 1;
        private readonly nint bStrideJ = transB ? ldb : 1, bStrideP = transB ? 1 : ldb;

        // Matrix `index` of the batch on the calling thread alone.
        public void RunSerial(int index)
        {
            float* ab = a + index * strideA, bb = b + index * strideB, cb = c + index * strideC;
            PackBuffers buffers = PackBuffers.ForCurrentThread;
            for (int jc = 0; jc < n; jc += Nc)
            {
                int nc = Math.Min(Nc, n - jc);
                for (int pc = 0; pc < k; pc += Kc)
                {
                    int kc = Math.Min(Kc, k - pc);
                    float* packedB = buffers.B(kc * RoundUp(nc, Nr));
                    Pack(bb + jc * bStrideJ + pc * bStrideP, bStrideJ, bStrideP, nc, kc, Nr, packedB);
                    for (int ic = 0; ic < m; ic += Mc)
                    {
                        int mc = Math.Min(Mc, m - ic);
                        float* packedA = buffers.A(kc * RoundUp(mc, Mr));
                        Pack(ab + ic * aStrideI + pc * aStrideP, aStrideI, aStrideP, mc, kc, Mr, packedA);
                        MacroKernel(mc, nc, kc, packedA, packedB, cb + ic * ldc + jc, ldc, alpha, pc == 0 ? beta : 1);
                    }
                }
            }
        }

        // The single matrix of the problem on `threads` threads. The depth is cut into k ranges of Kc-aligned pieces
        // (two per thread, so that a thread slowed by other work leaves pieces to the rest), each multiplied into a
        // zeroed copy of C of its own; the copies are then added into beta * C in piece order, the rows shared out.
        // Which thread ran which piece thus changes nothing: the result is the same bits on every run.
        public void RunSplitDepth(int threads)
        {
            Scale(m, n, beta, c, ldc);
            long size = (long)m * n;
            int pieces = SplitDepthPieces(m, n, k, threads);
            var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
            // The calling thread's buffer: the thread waits for both loops, and nothing else uses it meanwhile.
            var partials = PackBuffers.ForCurrentThread.Copies((nint)(pieces * size));
            Problem self = this;
            int depth = k;
            Parallel.For(0, pieces, options, piece =>
            {
                var partial = partials + piece * size;
                new Span<float>(partial, (int)size).Clear();
                var (k0, k1) = SplitDepthRange(depth, piece, pieces);
                self.AccumulateDepth(k0, k1, partial);
            });
            int rows = m, rowChunks = Math.Min(m, threads);
            Parallel.For(0, rowChunks, options, chunk => self.AddPieces(rows * chunk / rowChunks, rows * (chunk + 1) / rowChunks, partials, pieces));
        }

        // Rows [i0, i1) of C += each piece's copy of them, in piece order.
        private void AddPieces(int i0, int i1, float* partials, int pieces)
        {
            long size = (long)m * n;
            for (int i = i0; i < i1; i++)
            {
                var row = new Span<float>(c + i * ldc, n);
                for (int piece = 0; piece < pieces; piece++)
                    TensorPrimitives.Add(row, new ReadOnlySpan<float>(partials + piece * size + (long)i * n, n), row);
            }
        }

        // partial[m, n] += alpha * op(A)[:, k0..k1) * op(B)[k0..k1, :], serially.
        private void AccumulateDepth(int k0, int k1, float* partial)
        {
            new Problem(transA, transB, m, n, k1 - k0, alpha, a + k0 * aStrideP, lda, 0, b + k0 * bStrideP, ldb, 0, 1f, partial, n, 0)
                .RunSerial(0);
        }

        // Matrix `index` of the batch on `threads` threads. The threads first pack a column block of op(B), for the
        // whole depth k, into one shared buffer, then each computes some row blocks of C against it, packing its own
        // rows of op(A). Rows are the natural split since every row block of A is packed exactly once either way; when
        // there are too few rows to share out evenly, the columns of the block are split instead, and each thread packs
        // the (small) A for its columns.
        public void RunParallel(int index, int threads)
        {
            float* ab = a + index * strideA, bb = b + index * strideB, cb = c + index * strideC;
            var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
            int ncMax = Math.Clamp(SharedBFloats / k / Nr * Nr, Nr, RoundUp(n, Nr));
            float* packedB = PackBuffers.ForCurrentThread.Shared((nint)RoundUp(k, Kc) * ncMax);

            int mPanels = (m + Mr - 1) / Mr;
            bool splitRows = mPanels >= 4 * threads;
            // About four row chunks per thread, so that a thread slowed by other work on its core hands chunks to the
            // rest, but each of at least 8 and at most Mc / Mr panels; the count is a multiple of the thread count.
            int chunkPanels = Math.Clamp(mPanels / (4 * threads), 8, Mc / Mr);
            int rowChunks = splitRows ? RoundUp((mPanels + chunkPanels - 1) / chunkPanels, threads) : 1;
            int colChunks = splitRows ? 1 : threads;
            Problem self = this;
            int rowCount = m;
            for (int jc = 0; jc < n; jc += ncMax)
            {
                int nc = Math.Min(ncMax, n - jc);
                int ncPadded = RoundUp(nc, Nr);
                int nPanels = ncPadded / Nr;
                int packChunks = Math.Min(nPanels, 4 * threads);
                Parallel.For(0, packChunks, options,
                    t => self.PackSharedB(bb, jc, nc, Split(t, packChunks, nPanels, Nr, nc), packedB));
                int chunksPerRow = Math.Min(colChunks, nPanels);
                Parallel.For(0, rowChunks * chunksPerRow, options, item => self.ComputeRows(ab, cb + jc, ncPadded,
                    Split(item / chunksPerRow, rowChunks, mPanels, Mr, rowCount),
                    Split(item % chunksPerRow, chunksPerRow, nPanels, Nr, nc), packedB));
            }
        }

        // Packs columns [cols.Start, cols.End) of the block starting at column jc, every k block of it: k block pc
        // lands at packedB + pc * ncPadded, laid out as RunSerial's packed B would be.
        private void PackSharedB(float* bb, int jc, int nc, (int Start, int End) cols, float* packedB)
        {
            int ncPadded = RoundUp(nc, Nr);
            for (int pc = 0; pc < k; pc += Kc)
            {
                int kc = Math.Min(Kc, k - pc);
                Pack(bb + (jc + cols.Start) * bStrideJ + pc * bStrideP, bStrideJ, bStrideP, cols.End - cols.Start, kc, Nr,
                    packedB + (nint)pc * ncPadded + cols.Start * kc);
            }
        }

        // C[rows, cols] of a column block whose packed B (see PackSharedB) is at packedB; c points at the block's column 0.
        private void ComputeRows(float* ab, float* c, int ncPadded, (int Start, int End) rows, (int Start, int End) cols,
            float* packedB)
        {
            int mc = rows.End - rows.Start;
            if (mc == 0 || cols.Start == cols.End)
            {
                return;
            }
            float* packedA = PackBuffers.ForCurrentThread.A(Math.Min(k, Kc) * RoundUp(mc, Mr));
            for (int pc = 0; pc < k; pc += Kc)
            {
                int kc = Math.Min(Kc, k - pc);
                Pack(ab + rows.Start * aStrideI + pc * aStrideP, aStrideI, aStrideP, mc, kc, Mr, packedA);
                MacroKernel(mc, cols.End - cols.Start, kc, packedA, packedB + (nint)pc * ncPadded + cols.Start * kc,
                    c + rows.Start * ldc + cols.Start, ldc, alpha, pc == 0 ? beta : 1);
            }
        }
    }

    // Part t of `parts` of a dimension of `size` made of `panels` panels of width `panel`: boundaries fall on panel
    // edges, so only the last part can hold a partial panel.
    private static (int Start, int End) Split(int t, int parts, int panels, int panel, int size)
    {
        int start = (int)((long)panels * t / parts) * panel;
        int end = (int)((long)panels * (t + 1) / parts) * panel;
        return (Math.Min(start, size), Math.Min(end, size));
    }

    private static void MacroKernel(int mc, int nc, int kc, float* packedA, float* packedB, float* c, nint ldc,
        float alpha, float beta)
    {
        int mr = Mr, nr = Nr;
        var kernel = Kernel;
        float* edge = stackalloc float[MaxTile];
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* b = packedB + jr * kc;
            for (int ir = 0; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                float* a = packedA + ir * kc;
                float* cTile = c + ir * ldc + jr;
                if (rows == mr && cols == nr)
                {
                    kernel(kc, a, b, cTile, ldc, alpha, beta);
                    continue;
                }
                // A partial tile: run the full kernel into scratch, then merge only the part that exists.
                kernel(kc, a, b, edge, nr, 1, 0);
                for (int i = 0; i < rows; i++)
                {
                    float* dst = cTile + i * ldc;
                    float* src = edge + i * nr;
                    for (int j = 0; j < cols; j++)
                    {
                        dst[j] = beta == 0 ? alpha * src[j] : alpha * src[j] + beta * dst[j];
                    }
                }
            }
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    // Packing space owned by one thread and reused by every GEMM it runs; each buffer grows to the largest block seen.
    // A and B serve the thread's own packing; Shared is the B that a parallel GEMM started on this thread lends to its
    // helpers, kept apart so that nothing the thread runs meanwhile can reallocate it. The finalizer returns the memory
    // when the thread (and so its ThreadStatic reference) goes away.
    private sealed class PackBuffers
    {
        [ThreadStatic]
        private static PackBuffers? current;

        private float* a, b, shared, copies;
        private nint aCapacity, bCapacity, sharedCapacity, copiesCapacity;

        public static PackBuffers ForCurrentThread => current ??= new PackBuffers();

        public float* A(nint floats) => Ensure(ref a, ref aCapacity, floats);

        public float* B(nint floats) => Ensure(ref b, ref bCapacity, floats);

        public float* Shared(nint floats) => Ensure(ref shared, ref sharedCapacity, floats);

        public float* Copies(nint floats) => Ensure(ref copies, ref copiesCapacity, floats);

        private static float* Ensure(ref float* buffer, ref nint capacity, nint floats)
        {
            if (floats > capacity)
            {
                NativeMemory.AlignedFree(buffer);
                // Cleared first so that a failed allocation cannot leave a freed pointer behind.
                buffer = null;
                capacity = 0;
                buffer = (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);
                capacity = floats;
            }
            return buffer;
        }

        ~PackBuffers()
        {
            NativeMemory.AlignedFree(a);
            NativeMemory.AlignedFree(b);
            NativeMemory.AlignedFree(shared);
            NativeMemory.AlignedFree(copies);
        }
    }
}
