using System.Runtime.InteropServices;

namespace ClipEngine.Backends.Cuda.Interop;

/// <summary>The cuBLAS v2 entry points the engine uses. Results are cublasStatus_t codes.</summary>
internal static unsafe partial class CublasApi
{
    public const int Success = 0;

    // cublasOperation_t
    public const int OpN = 0;
    public const int OpT = 1;

    // cublasMath_t
    public const int DefaultMath = 0;
    public const int Tf32TensorOpMath = 3;

    // cudaDataType_t
    public const int DataR32F = 0;
    public const int DataR16BF = 14;

    // cublasComputeType_t
    public const int Compute32F = 68;
    public const int Compute32FFastTf32 = 77;

    // cublasGemmAlgo_t
    public const int GemmDefault = -1;

    static CublasApi() => CudaLibraries.EnsureResolver();

    [LibraryImport(CudaLibraries.CublasName)]
    public static partial int cublasCreate_v2(out nint handle);

    [LibraryImport(CudaLibraries.CublasName)]
    public static partial int cublasDestroy_v2(nint handle);

    [LibraryImport(CudaLibraries.CublasName)]
    public static partial int cublasGetVersion_v2(nint handle, out int version);

    [LibraryImport(CudaLibraries.CublasName)]
    public static partial int cublasSetStream_v2(nint handle, nint stream);

    [LibraryImport(CudaLibraries.CublasName)]
    public static partial int cublasSetMathMode(nint handle, int mode);

    [LibraryImport(CudaLibraries.CublasName)]
    public static partial int cublasSetWorkspace_v2(nint handle, ulong workspace, nuint bytes);

    [LibraryImport(CudaLibraries.CublasName)]
    public static partial int cublasGemmEx(nint handle, int transA, int transB, int m, int n, int k,
        void* alpha, ulong a, int aType, int lda, ulong b, int bType, int ldb,
        void* beta, ulong c, int cType, int ldc, int computeType, int algo);

    [LibraryImport(CudaLibraries.CublasName)]
    public static partial int cublasGemmStridedBatchedEx(nint handle, int transA, int transB, int m, int n, int k,
        void* alpha, ulong a, int aType, int lda, long strideA, ulong b, int bType, int ldb, long strideB,
        void* beta, ulong c, int cType, int ldc, long strideC, int batchCount, int computeType, int algo);

    public static void Check(int result, string call)
    {
        if (result != Success) throw Error(result, call);
    }

    /// <summary>The exception for a failed call, for callers that build the call's details only on failure.</summary>
    public static CudaException Error(int result, string call) => new($"{call} failed: {StatusName(result)}");

    // cuBLAS 11 has no cublasGetStatusName, so the names come from cublas_api.h.
    private static string StatusName(int status) => status switch
    {
        1 => "CUBLAS_STATUS_NOT_INITIALIZED",
        3 => "CUBLAS_STATUS_ALLOC_FAILED",
        7 => "CUBLAS_STATUS_INVALID_VALUE",
        8 => "CUBLAS_STATUS_ARCH_MISMATCH",
        11 => "CUBLAS_STATUS_MAPPING_ERROR",
        13 => "CUBLAS_STATUS_EXECUTION_FAILED",
        14 => "CUBLAS_STATUS_INTERNAL_ERROR",
        15 => "CUBLAS_STATUS_NOT_SUPPORTED",
        16 => "CUBLAS_STATUS_LICENSE_ERROR",
        _ => $"cublasStatus_t {status}",
    };
}
