namespace ClipEngine.Backends;

/// <summary>
/// The operand checks every backend's <see cref="IBackend.Gemm"/> runs before handing raw pointers to a kernel or a
/// BLAS: a GEMM reads and writes by strides, so an extent past a tensor's end would touch other tensors silently.
/// </summary>
internal static class GemmOperands
{
    /// <summary>
    /// A and B have one input dtype (F32, or BF16 where <paramref name="backend"/> supports it), C is F32 (or BF16
    /// after BF16 inputs), and each
    /// strided batch of matrices of <paramref name="shape"/> lies inside its tensor. Returns the input dtype.
    /// </summary>
    public static DType Check(in GemmShape shape, Tensor a, Tensor b, Tensor c, IBackend backend)
    {
        if (a.DType != b.DType || a.DType is not (DType.F32 or DType.BF16))
            throw new ArgumentException($"Gemm: A and B must be both F32 or both BF16, got A {a.DType} and B {b.DType}");
        if (a.DType == DType.BF16 && !backend.SupportsBf16)
            throw new NotSupportedException($"Gemm: the {backend.Device} backend has no BF16 GEMM (SupportsBf16 is false); give it F32 inputs");
        if (c.DType != DType.F32 && !(c.DType == DType.BF16 && a.DType == DType.BF16))
            throw new ArgumentException($"Gemm: C must be F32, or BF16 when A and B are BF16; got C {c.DType} with A and B {a.DType}");
        Check(a, shape.TransA ? shape.K : shape.M, shape.TransA ? shape.M : shape.K, shape.Lda, shape.StrideA, shape.Batch, "Gemm A");
        Check(b, shape.TransB ? shape.N : shape.K, shape.TransB ? shape.K : shape.N, shape.Ldb, shape.StrideB, shape.Batch, "Gemm B");
        Check(c, shape.M, shape.N, shape.Ldc, shape.StrideC, shape.Batch, "Gemm C");
        return a.DType;
    }

    /// <summary>Every element of batch stored matrices [rows, cols] (row stride ld, matrix stride stride) lies inside t.</summary>
    private static void Check(Tensor t, int rows, int cols, int ld, long stride, int batch, string what)
    {
        if (rows == 0 || cols == 0 || batch == 0) return;
        var end = (batch - 1) * stride + (long)(rows - 1) * ld + cols;
        if (end > t.NumEl)
            throw new ArgumentOutOfRangeException(what, $"{what}: {batch} matrices [{rows}, {cols}] (row stride {ld}, matrix stride {stride}) run past the {t.NumEl} elements of tensor {ShapeUtil.Format(t.Dims)}");
    }
}
