using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClipEngine.Backends.Cpu;

// Packing copies a block of op(A) or op(B) into the order the micro-kernel reads it: panels of `width` rows of op(A)
// (or columns of op(B)), each panel stored k-major so one k step is `width` consecutive floats. Both operands are
// described the same way, element (i, p) at src[i * strideI + p * strideP], which covers both transposes:
// for op(A) i is the row and p the k index; for op(B) i is the column and p the k index.
internal static unsafe partial class Sgemm
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pack(float* src, nint strideI, nint strideP, int count, int kc, int width, float* dst)
    {
        int full = count / width * width;
        if (strideI == 1)
        {
            PackContiguous(src, strideP, full, kc, width, dst);
        }
        else
        {
            for (int i0 = 0; i0 < full; i0 += width)
            {
                PackTransposed(src + i0 * strideI, strideI, strideP, kc, width, dst + i0 * kc);
            }
        }
        if (full < count)
        {
            PackEdge(src + full * strideI, strideI, strideP, count - full, kc, width, dst + full * kc);
        }
    }

    // The values of one k step are adjacent in memory, so each source row is copied in order, scattering its
    // `width`-long pieces across the panels; walking panel by panel instead would jump a whole row stride per read.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackContiguous(float* src, nint strideP, int count, int kc, int width, float* dst)
    {
        nint panelSize = (nint)width * kc;
        for (int p = 0; p < kc; p++)
        {
            float* s = src + p * strideP;
            float* d = dst + p * width;
            for (int i0 = 0; i0 < count; i0 += width, d += panelSize)
            {
                int r = 0;
                for (; r + 8 <= width; r += 8)
                {
                    Vector256.Store(Vector256.Load(s + i0 + r), d + r);
                }
                for (; r < width; r++)
                {
                    d[r] = s[i0 + r];
                }
            }
        }
    }

    // Each of the `width` rows is read along k; with AVX, 8x8 and 4x8 tiles are transposed in registers so the
    // reads stay sequential and the writes are whole vectors. A group of rows is finished along all of k before the
    // next starts: the rows are often a power-of-two stride apart and share an L1 set, so only a few can stay cached.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackTransposed(float* s, nint strideI, nint strideP, int kc, int width, float* dst)
    {
        int vectorK = Avx.IsSupported && strideP == 1 ? kc / 8 * 8 : 0;
        int r = 0;
        if (vectorK > 0)
        {
            for (; r + 8 <= width; r += 8)
            {
                for (int p = 0; p < vectorK; p += 8)
                {
                    Transpose8x8(s + r * strideI + p, strideI, dst + p * width + r, width);
                }
            }
            for (; r + 4 <= width; r += 4)
            {
                for (int p = 0; p < vectorK; p += 8)
                {
                    Transpose4x8(s + r * strideI + p, strideI, dst + p * width + r, width);
                }
            }
        }
        for (int p = 0; p < kc; p++)
        {
            // Rows the vector tiles covered only need the k tail.
            for (int q = p < vectorK ? r : 0; q < width; q++)
            {
                dst[p * width + q] = s[q * strideI + p * strideP];
            }
        }
    }

    // The last panel of a block: copy what exists and zero the rest, so the kernel can always run full width.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackEdge(float* s, nint strideI, nint strideP, int rows, int kc, int width, float* dst)
    {
        for (int p = 0; p < kc; p++, dst += width)
        {
            int r = 0;
            for (; r < rows; r++)
            {
                dst[r] = s[r * strideI + p * strideP];
            }
            for (; r < width; r++)
            {
                dst[r] = 0;
            }
        }
    }

    // Reads 8 rows of 8 consecutive floats (row stride srcStride) and writes them as 8 rows of 8 (row stride dstStride)
    // with rows and columns swapped.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, nint srcStride, float* dst, nint dstStride)
    {
        Vector256<float> r0 = Vector256.Load(src), r1 = Vector256.Load(src + srcStride);
        Vector256<float> r2 = Vector256.Load(src + 2 * srcStride), r3 = Vector256.Load(src + 3 * srcStride);
        Vector256<float> r4 = Vector256.Load(src + 4 * srcStride), r5 = Vector256.Load(src + 5 * srcStride);
        Vector256<float> r6 = Vector256.Load(src + 6 * srcStride), r7 = Vector256.Load(src + 7 * srcStride);

        // Interleave pairs of rows, then pairs of pairs: each 128-bit lane then holds one column of 4 rows.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);

        // Lane l of s_j holds column j + 4l of rows 0-3 (s0-s3) or rows 4-7 (s4-s7); join the matching halves.
        Vector256.Store(Avx.Permute2x128(s0, s4, 0x20), dst);
        Vector256.Store(Avx.Permute2x128(s1, s5, 0x20), dst + dstStride);
        Vector256.Store(Avx.Permute2x128(s2, s6, 0x20), dst + 2 * dstStride);
        Vector256.Store(Avx.Permute2x128(s3, s7, 0x20), dst + 3 * dstStride);
        Vector256.Store(Avx.Permute2x128(s0, s4, 0x31), dst + 4 * dstStride);
        Vector256.Store(Avx.Permute2x128(s1, s5, 0x31), dst + 5 * dstStride);
        Vector256.Store(Avx.Permute2x128(s2, s6, 0x31), dst + 6 * dstStride);
        Vector256.Store(Avx.Permute2x128(s3, s7, 0x31), dst + 7 * dstStride);
    }

    // Transpose8x8 for 4 rows: 8 rows of 4 come out, as the 128-bit halves of the interleaved rows.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x8(float* src, nint srcStride, float* dst, nint dstStride)
    {
        Vector256<float> r0 = Vector256.Load(src), r1 = Vector256.Load(src + srcStride);
        Vector256<float> r2 = Vector256.Load(src + 2 * srcStride), r3 = Vector256.Load(src + 3 * srcStride);
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector128.Store(s0.GetLower(), dst);
        Vector128.Store(s1.GetLower(), dst + dstStride);
        Vector128.Store(s2.GetLower(), dst + 2 * dstStride);
        Vector128.Store(s3.GetLower(), dst + 3 * dstStride);
        Vector128.Store(s0.GetUpper(), dst + 4 * dstStride);
        Vector128.Store(s1.GetUpper(), dst + 5 * dstStride);
        Vector128.Store(s2.GetUpper(), dst + 6 * dstStride);
        Vector128.Store(s3.GetUpper(), dst + 7 * dstStride);
    }
}
