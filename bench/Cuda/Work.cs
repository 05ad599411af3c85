namespace ClipEngine.Bench.Cuda;

/// <summary>The arithmetic units a benchmark's flops run on, and so the peak that bounds them.</summary>
public enum ComputeUnit
{
    /// <summary>No flops worth counting: the benchmark is bound by memory alone.</summary>
    None,

    /// <summary>FP32 on the CUDA cores (our kernels, cuBLAS SGEMM without tensor cores).</summary>
    Fp32,

    /// <summary>TF32 tensor cores (cuBLAS with CUBLAS_COMPUTE_32F_FAST_TF32).</summary>
    Tf32,

    /// <summary>BF16 tensor cores with fp32 accumulation.</summary>
    Bf16,
}

/// <summary>
/// The least work one launch must do: <see cref="Bytes"/> read from and written to device memory (each input read
/// once, each output written once) and <see cref="Flops"/> (2 per multiply-add) on <see cref="Unit"/>. What a kernel
/// moves or computes beyond this (a second pass, recomputation) counts against it.
/// </summary>
public readonly record struct Work(double Bytes, double Flops = 0, ComputeUnit Unit = ComputeUnit.None);
