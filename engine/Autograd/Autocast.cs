using ClipEngine.Backends;

namespace ClipEngine;

/// <summary>
/// Mixed precision for matrix products, as torch.autocast does it for matmul and linear. Within
/// <c>using (Autocast.Enable(DType.BF16))</c> the GEMMs of <see cref="Ops.MatMul"/> and <see cref="Ops.Linear"/>,
/// forward and backward, round their F32 inputs to BF16 (nearest-even) and run with fp32 accumulation into an F32
/// result, on backends that have such a GEMM (<see cref="IBackend.SupportsBf16"/>: Cuda). On the Cpu backend it
/// changes nothing: the Cpu computes in fp32. Only GEMM inputs are BF16: activations, gradients and parameters (the
/// fp32 masters the optimizer updates) stay F32 tensors; storing activations in BF16 is future work. A node records
/// the precision of its forward, so its backward GEMMs use the same one wherever Backward is called.
/// The setting is per thread; scopes nest and each restores the one outside it when disposed.
/// </summary>
public static class Autocast
{
    [ThreadStatic] private static bool _bf16;

    /// <summary>Whether GEMMs on this thread take BF16 inputs where the backend supports it (torch.is_autocast_enabled()).</summary>
    public static bool IsEnabled => _bf16;

    /// <summary>The dtype GEMM inputs are rounded to on a backend that supports it: BF16 under autocast, else F32.</summary>
    public static DType Dtype => _bf16 ? DType.BF16 : DType.F32;

    /// <summary>
    /// Within the returned scope GEMM inputs are <paramref name="dtype"/>: BF16 turns autocast on, F32 turns it off
    /// (torch.autocast(enabled=False)), so a caller can pass its configured precision either way.
    /// </summary>
    public static Scope Enable(DType dtype)
    {
        if (dtype is not (DType.F32 or DType.BF16))
            throw new ArgumentException($"Autocast: GEMM inputs can be BF16 (or F32 to switch autocast off), not {dtype}", nameof(dtype));
        var scope = new Scope(_bf16);
        _bf16 = dtype == DType.BF16;
        return scope;
    }

    public readonly struct Scope(bool outerBf16) : IDisposable
    {
        public void Dispose() => _bf16 = outerBf16;
    }

    /// <summary>The input dtype of a GEMM on <paramref name="backend"/> now: BF16 under autocast where it has a BF16 GEMM.</summary>
    internal static DType GemmInputType(IBackend backend) => _bf16 && backend.SupportsBf16 ? DType.BF16 : DType.F32;
}
