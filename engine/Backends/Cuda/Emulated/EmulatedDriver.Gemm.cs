using ClipEngine.Backends.Cpu;

namespace ClipEngine.Backends.Cuda.Emulated;

public sealed unsafe partial class EmulatedDriver
{
    /// <summary>
    /// cuBLAS's strided batched GEMM on the Cpu backend's SGEMM. BF16 operands are widened to float first and a BF16
    /// result is rounded to nearest-even once, after fp32 accumulation, as cuBLAS does with CUBLAS_COMPUTE_32F.
    /// </summary>
    public void Gemm(in GemmShape shape, DType inputType, DType outputType, float alpha, DevicePtr a, DevicePtr b, float beta, DevicePtr c, nint stream)
    {
        CheckStream(stream, nameof(Gemm));
        if (inputType is not (DType.F32 or DType.BF16) || outputType is not (DType.F32 or DType.BF16))
            throw new NotSupportedException($"Gemm supports F32 and BF16 operands, not {inputType} inputs with a {outputType} result");
        if (shape.M == 0 || shape.N == 0 || shape.Batch == 0) return;
        var s = shape;
        var extentA = Extent(s.TransA ? s.K : s.M, s.TransA ? s.M : s.K, s.Lda, s.StrideA, s.Batch);
        var extentB = Extent(s.TransB ? s.N : s.K, s.TransB ? s.K : s.N, s.Ldb, s.StrideB, s.Batch);
        var extentC = Extent(s.M, s.N, s.Ldc, s.StrideC, s.Batch);
        memory.CheckRange(a, extentA * inputType.SizeInBytes(), "Gemm A");
        memory.CheckRange(b, extentB * inputType.SizeInBytes(), "Gemm B");
        memory.CheckRange(c, extentC * outputType.SizeInBytes(), "Gemm C");

        var floatA = inputType == DType.F32 ? null : Widen(a, extentA);
        var floatB = inputType == DType.F32 ? null : Widen(b, extentB);
        var floatC = outputType == DType.F32 ? null : beta == 0 ? new float[extentC] : Widen(c, extentC);
        fixed (float* pa = floatA, pb = floatB, pc = floatC)
        {
            Sgemm.GemmStridedBatched(s.TransA, s.TransB, s.M, s.N, s.K, alpha,
                pa != null ? pa : (float*)a.Address, s.Lda, s.StrideA,
                pb != null ? pb : (float*)b.Address, s.Ldb, s.StrideB, beta,
                pc != null ? pc : (float*)c.Address, s.Ldc, s.StrideC, s.Batch);
        }
        if (floatC != null) NarrowMatrices(floatC, (ushort*)c.Address, s);
    }

    // Elements from the first to one past the last element of batch stored matrices [rows, cols].
    private static long Extent(int rows, int cols, int ld, long stride, int batch) =>
        rows == 0 || cols == 0 ? 0 : (batch - 1) * stride + (long)(rows - 1) * ld + cols;

    private static float[] Widen(DevicePtr source, long count)
    {
        var values = new float[count];
        BFloat16Bits.ToFloat(new ReadOnlySpan<ushort>((void*)source.Address, checked((int)count)), values);
        return values;
    }

    // Writes back only the m x n elements of each result, leaving what lies between rows and matrices untouched.
    private static void NarrowMatrices(float[] values, ushort* destination, in GemmShape s)
    {
        for (var batch = 0; batch < s.Batch; batch++)
        {
            for (var row = 0; row < s.M; row++)
            {
                var offset = checked((int)(batch * s.StrideC + (long)row * s.Ldc));
                BFloat16Bits.FromFloat(values.AsSpan(offset, s.N), new Span<ushort>(destination + offset, s.N));
            }
        }
    }
}
