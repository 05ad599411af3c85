namespace ClipEngine.Backends.Cuda.Interop;

/// <summary>
/// A row-major GEMM as the column-major call cuBLAS takes. A row-major matrix with leading dimension ld is the
/// column-major transpose with the same ld, so C = op(A)·op(B) becomes Cᵀ = op(B)ᵀ·op(A)ᵀ: B goes first, the
/// M and N extents swap, and each operand keeps its own transpose flag, leading dimension and stride.
/// </summary>
internal readonly record struct CublasGemm(
    bool TransFirst, bool TransSecond, int M, int N, int K,
    int LdFirst, int LdSecond, int Ldc, long StrideFirst, long StrideSecond, long StrideC, int Batch)
{
    /// <summary>The first cuBLAS operand is the row-major B, the second the row-major A.</summary>
    public static CublasGemm FromRowMajor(in GemmShape s) =>
        new(s.TransB, s.TransA, s.N, s.M, s.K, s.Ldb, s.Lda, s.Ldc, s.StrideB, s.StrideA, s.StrideC, s.Batch);
}
