namespace ClipEngine.Backends;

/// <summary>
/// The operand checks every backend's <see cref="IBackend.Gemm"/> runs before handing raw pointers to a kernel or a
/// BLAS: a GEMM reads and writes by strides, so an extent past a tensor's end would touch other tensors silently.
/// </summary>
internal static class GemmOperands
{
    /// <summary>A, B and C are F32 and each strided batch of matrices of <paramref name="shape"/> lies inside its tensor.</summary>
    public static void Check(in GemmShape shape, Tensor a, Tensor b, Tensor c)
    {
        Check(a, shape.TransA ? shape.K : shape.M, shape.TransA ? shape.M : shape.K, shape.Lda, shape.StrideA, shape.Batch, "Gemm A");
        Check(b, shape.TransB ? shape.N : shape.K, shape.TransB ? shape.K : shape.N, shape.Ldb, shape.StrideB, shape.Batch, "Gemm B");
        Check(c, shape.M, shape.N, shape.Ldc, shape.StrideC, shape.Batch, "Gemm C");
    }

    /// <summary>Every element of batch stored matrices [rows, cols] (row stride ld, matrix stride stride) lies inside t.</summary>
    private static void Check(Tensor t, int rows, int cols, int ld, long stride, int batch, string what)
    {
        t.ThrowIfNotDType(DType.F32, what);
        if (rows == 0 || cols == 0 || batch == 0) return;
        var end = (batch - 1) * stride + (long)(rows - 1) * ld + cols;
        if (end > t.NumEl)
            throw new ArgumentOutOfRangeException(what, $"{what}: {batch} matrices [{rows}, {cols}] (row stride {ld}, matrix stride {stride}) run past the {t.NumEl} elements of tensor {ShapeUtil.Format(t.Dims)}");
    }
}
