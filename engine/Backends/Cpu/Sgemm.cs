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
    private const int MaxTile = 12 * 32;

    // Zen 4 per core: 32 KiB L1d, 1 MiB L2, 32 MiB shared L3. A KC x NR panel of B (32 KiB at NR = 32) is re-read by
    // every A panel of the block, an MC x KC block of A (240 KiB) stays in L2 while the B panels stream past it, and a
    // KC x NC block of B (4 MiB) sits in L3.
    private const int Kc = 256;
    private const int McTarget = 240;
    private const int NcTarget = 4096;

    // Below this many multiply-adds per call a second thread costs more to start than it saves.
    private const long ParallelThreshold = 1L << 18;

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
            (Mr, Nr) = (12, 32);
            Kernel = &Kernel12x32Avx512;
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
    /// </summary>
    public static void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda,
        float* b, int ldb, float beta, float* c, int ldc) =>
        GemmStridedBatched(transA, transB, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0, 1);

    /// <summary>
    /// <paramref name="batch"/> independent GEMMs; matrix i of each operand starts i * stride elements after the first.
    /// A stride of 0 reuses one matrix for the whole batch.
    /// </summary>
    public static void GemmStridedBatched(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, long strideA, float* b, int ldb, long strideB, float beta, float* c, int ldc, long strideC,
        int batch)
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

        var p = new Problem(transA, transB, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC);
        int threads = Environment.ProcessorCount;
        if (threads == 1 || (long)m * n * k * batch < ParallelThreshold)
        {
            for (int i = 0; i < batch; i++)
            {
                p.Run(i, 0, m, 0, n);
            }
            return;
        }

        // Work items are (matrix, tile of C). Whole matrices are the cheapest split, since tiles of one matrix repack
        // the shared operand; tiles are only added when the batch alone would leave threads idle or unevenly loaded.
        int tiles = batch >= 4 * threads ? 1 : threads / Gcd(batch, threads);
        var (tm, tn) = SplitTiles(tiles, m, n);
        Parallel.For(0, batch * tm * tn, new ParallelOptions { MaxDegreeOfParallelism = threads }, item =>
        {
            int tile = item % (tm * tn);
            int ti = tile / tn, tj = tile % tn;
            var (i0, i1) = TileRange(ti, tm, m, Mr);
            var (j0, j1) = TileRange(tj, tn, n, Nr);
            p.Run(item / (tm * tn), i0, i1, j0, j1);
        });
    }

    // Splits C into tm x tn tiles for `tiles` work items. Each tile packs its own copy of the A rows and B columns it
    // needs, so the split minimises the total packed (tm * n + tn * m) while keeping at least one panel per tile.
    private static (int Tm, int Tn) SplitTiles(int tiles, int m, int n)
    {
        int mPanels = (m + Mr - 1) / Mr, nPanels = (n + Nr - 1) / Nr;
        (int, int) best = (1, 1);
        long bestCost = long.MaxValue;
        for (int tm = 1; tm <= tiles; tm++)
        {
            int tn = tiles / tm;
            if (tm * tn != tiles || tm > mPanels || tn > nPanels)
            {
                continue;
            }
            long cost = (long)tm * n + (long)tn * m;
            if (cost < bestCost)
            {
                (best, bestCost) = ((tm, tn), cost);
            }
        }
        return best;
    }

    private static int Gcd(int x, int y)
    {
        while (y != 0)
        {
            (x, y) = (y, x % y);
        }
        return x;
    }

    // Tile t of `tiles` along a dimension of `size`, with boundaries on multiples of the panel width so that only the
    // last tile has a partial panel.
    private static (int Start, int End) TileRange(int t, int tiles, int size, int panel)
    {
        int panels = (size + panel - 1) / panel;
        int start = (int)((long)panels * t / tiles) * panel;
        int end = (int)((long)panels * (t + 1) / tiles) * panel;
        return (start, Math.Min(end, size));
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

    private readonly struct Problem(bool transA, bool transB, int k, float alpha,
        float* a, nint lda, long strideA, float* b, nint ldb, long strideB, float beta, float* c, nint ldc, long strideC)
    {
        // Element (i, p) of op(A) is at a[i * aStrideI + p * aStrideP]; element (p, j) of op(B) at b[j * bStrideJ + p * bStrideP].
        private readonly nint aStrideI = transA ? 1 : lda, aStrideP = transA ? lda : 1;
        private readonly nint bStrideJ = transB ? ldb : 1, bStrideP = transB ? 1 : ldb;

        // Computes rows [i0, i1) x columns [j0, j1) of C for matrix `index` of the batch on the calling thread.
        public void Run(int index, int i0, int i1, int j0, int j1)
        {
            float* ab = a + index * strideA, bb = b + index * strideB, cb = c + index * strideC;
            PackBuffers buffers = PackBuffers.ForCurrentThread;
            int mr = Mr, nr = Nr;
            for (int jc = j0; jc < j1; jc += Nc)
            {
                int nc = Math.Min(Nc, j1 - jc);
                for (int pc = 0; pc < k; pc += Kc)
                {
                    int kc = Math.Min(Kc, k - pc);
                    float* packedB = buffers.B(kc * RoundUp(nc, nr));
                    Pack(bb + jc * bStrideJ + pc * bStrideP, bStrideJ, bStrideP, nc, kc, nr, packedB);
                    // Later k blocks accumulate onto what the first one wrote.
                    float betaBlock = pc == 0 ? beta : 1;
                    for (int ic = i0; ic < i1; ic += Mc)
                    {
                        int mc = Math.Min(Mc, i1 - ic);
                        float* packedA = buffers.A(kc * RoundUp(mc, mr));
                        Pack(ab + ic * aStrideI + pc * aStrideP, aStrideI, aStrideP, mc, kc, mr, packedA);
                        MacroKernel(mc, nc, kc, packedA, packedB, cb + ic * ldc + jc, ldc, alpha, betaBlock);
                    }
                }
            }
        }
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

    // Packing space owned by one thread and reused by every GEMM it runs; it grows to the largest block seen. The
    // finalizer returns the memory when the thread (and so its ThreadStatic reference) goes away.
    private sealed class PackBuffers
    {
        [ThreadStatic]
        private static PackBuffers? current;

        private float* a, b;
        private int aCapacity, bCapacity;

        public static PackBuffers ForCurrentThread => current ??= new PackBuffers();

        public float* A(int floats) => Ensure(ref a, ref aCapacity, floats);

        public float* B(int floats) => Ensure(ref b, ref bCapacity, floats);

        private static float* Ensure(ref float* buffer, ref int capacity, int floats)
        {
            if (floats > capacity)
            {
                NativeMemory.AlignedFree(buffer);
                buffer = null;
                buffer = (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);
                capacity = floats;
            }
            return buffer;
        }

        ~PackBuffers()
        {
            NativeMemory.AlignedFree(a);
            NativeMemory.AlignedFree(b);
        }
    }
}
