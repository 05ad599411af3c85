namespace ClipEngine;

/// <summary>
/// The differentiable ops, PyTorch-style (torch.* and torch.nn.functional.*). Each op lives in a file of this
/// folder with its forward (validate, allocate the output, call the backend of the input's device, record a node)
/// and its <see cref="GradNode"/> (backward, written with the same backend calls). Nothing here is device-specific.
/// Dtypes follow torch.autocast: matrix products under <see cref="Autocast"/> give BF16 on a backend that
/// <see cref="Backends.IBackend.SupportsBf16"/>; the element-wise ops and attention keep BF16 there; every other op
/// computes in F32 and widens BF16 inputs first (<see cref="Fp32"/>), as autocast runs its fp32 ops.
/// </summary>
public static partial class Ops
{
    internal static void CheckSameDevice(Tensor a, Tensor b, string op)
    {
        if (a.Device != b.Device)
            throw new ArgumentException($"{op}: tensors are on different devices ({a.Device} and {b.Device})");
    }

    internal static void CheckFloat(Tensor t, string op) => t.ThrowIfNotDType(DType.F32, op);

    /// <summary>
    /// t as the input of an op that computes in F32: F32 passes through; BF16 and F16 are widened by a recorded
    /// <see cref="Cast"/>, so gradients flow back in t's dtype. The widened copy is an intermediate like any other,
    /// owned by the graph and the enclosing <see cref="TensorScope"/>.
    /// </summary>
    internal static Tensor Fp32(Tensor t, string op)
    {
        if (t.DType is DType.BF16 or DType.F16) return Cast(t, DType.F32);
        CheckFloat(t, op);
        return t;
    }

    /// <summary>t as the input of an op with BF16 kernels: kept when BF16 on a backend that has them, otherwise as <see cref="Fp32"/>.</summary>
    internal static Tensor Bf16OrFp32(Tensor t, string op) =>
        t.DType == DType.BF16 && t.Backend.SupportsBf16 ? t : Fp32(t, op);

    /// <summary>The dtype of a gradient a BF16-capable kernel writes for t: t's own when BF16 under BF16 math, else F32 (autograd casts it on).</summary>
    private static DType GradDType(Tensor t, DType compute) =>
        t.DType == DType.BF16 && compute == DType.BF16 ? DType.BF16 : DType.F32;
}
