using ClipEngine.Backends;

namespace ClipEngine;

/// <summary>
/// Mixed precision as torch.autocast(dtype=torch.bfloat16) does it. Within <c>using (Autocast.Enable(DType.BF16))</c>,
/// on a backend that <see cref="IBackend.SupportsBf16"/> (Cuda), <see cref="Ops.MatMul"/> and <see cref="Ops.Linear"/>
/// round their operands to BF16 (nearest-even), multiply with fp32 accumulation and return BF16 activations. The
/// element-wise ops and attention then keep BF16 (a BF16 with an F32 operand gives F32, as torch promotes), and the
/// ops autocast runs in fp32 — layer norm, softmax, normalisation, losses, reductions — widen their inputs to F32.
/// So the residual stream, normalised activations and losses stay F32, while projections, attention and the MLP's
/// hidden activations are stored in half the memory. Parameters stay F32 (the masters the optimizer updates) and
/// get F32 gradients; each activation's gradient has the activation's dtype. On the Cpu backend it changes nothing:
/// the Cpu computes in fp32. A node records its forward's precision, so its backward matches it wherever Backward
/// is called. The setting is per thread; scopes nest and each restores the one outside it when disposed.
/// </summary>
public static class Autocast
{
    [ThreadStatic] private static bool _bf16;

    /// <summary>Whether matrix products on this thread compute in BF16 where the backend supports it (torch.is_autocast_enabled()).</summary>
    public static bool IsEnabled => _bf16;

    /// <summary>The dtype of matrix products on a backend that supports it: BF16 under autocast, else F32.</summary>
    public static DType Dtype => _bf16 ? DType.BF16 : DType.F32;

    /// <summary>
    /// Within the returned scope matrix products compute in <paramref name="dtype"/>: BF16 turns autocast on, F32
    /// turns it off (torch.autocast(enabled=False)), so a caller can pass its configured precision either way.
    /// </summary>
    public static Scope Enable(DType dtype)
    {
        if (dtype is not (DType.F32 or DType.BF16))
            throw new ArgumentException($"Autocast: matrix products can compute in BF16 (or F32 to switch autocast off), not {dtype}", nameof(dtype));
        var scope = new Scope(_bf16);
        _bf16 = dtype == DType.BF16;
        return scope;
    }

    public readonly struct Scope(bool outerBf16) : IDisposable
    {
        public void Dispose() => _bf16 = outerBf16;
    }

    /// <summary>The dtype of a matrix product's operands and result on <paramref name="backend"/> now: BF16 under autocast where it supports BF16.</summary>
    internal static DType ComputeType(IBackend backend) => _bf16 && backend.SupportsBf16 ? DType.BF16 : DType.F32;
}
