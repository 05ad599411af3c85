using System.Runtime.InteropServices;

namespace ClipEngine.Backends.Cuda;

// Scaled dot-product attention, flash-attention style (kernels/attention.cu).
public sealed partial class CudaBackend
{
    /// <summary>The largest head size the attention kernels hold in registers and shared memory (MAX_HEAD_DIM).</summary>
    public const int MaxAttentionHeadDim = 128;

    /// <summary>Warps per attention block, one output row each (ROWS).</summary>
    private const int AttentionRows = 8;

    public void Attention(Tensor q, Tensor k, Tensor v, bool causal, float scale, Tensor o, Tensor lse)
    {
        var suffix = AttentionKernelSuffix("Attention", lse, ("q", q), ("k", k), ("v", v), ("o", o));
        var (heads, shape) = AttentionShapeOf(q, k, causal, scale);
        if (heads == 0 || shape.S == 0) return;
        Launcher.Launch(Modules.Get("attention.cu", "attention_forward" + suffix), AttentionBlocks(heads, shape.S),
            Ptr(q), Ptr(k), Ptr(v), Ptr(o), Ptr(lse), shape);
    }

    public void AttentionBackward(Tensor go, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse, bool causal, float scale, Tensor gq, Tensor gk, Tensor gv)
    {
        var suffix = AttentionKernelSuffix("AttentionBackward", lse,
            ("q", q), ("k", k), ("v", v), ("o", o), ("go", go), ("gq", gq), ("gk", gk), ("gv", gv));
        var (heads, shape) = AttentionShapeOf(q, k, causal, scale);
        if (heads == 0 || shape.Sk == 0) return;
        var rows = (long)heads * shape.S;
        using var delta = AllocateScratch(rows * sizeof(float));
        if (rows > 0)
        {
            Launcher.Launch(Modules.Get("attention.cu", "attention_backward_delta" + suffix),
                new LaunchConfig((int)((rows + AttentionRows - 1) / AttentionRows), 32 * AttentionRows),
                Ptr(go), Ptr(o), delta.Pointer, rows, shape.Dh);
            Launcher.Launch(Modules.Get("attention.cu", "attention_backward_query" + suffix), AttentionBlocks(heads, shape.S),
                Ptr(go), Ptr(q), Ptr(k), Ptr(v), Ptr(lse), delta.Pointer, Ptr(gq), shape);
        }
        // Also with no queries: dK and dV are then zero, and this kernel writes them.
        Launcher.Launch(Modules.Get("attention.cu", "attention_backward_key" + suffix), AttentionBlocks(heads, shape.Sk),
            Ptr(go), Ptr(q), Ptr(k), Ptr(v), Ptr(lse), delta.Pointer, Ptr(gk), Ptr(gv), shape);
    }

    /// <summary>
    /// The kernels' dtype suffix: every tensor but lse has q's dtype, F32 or BF16 (the kernels take one element type
    /// for all of them), and lse is F32.
    /// </summary>
    private static string AttentionKernelSuffix(string op, Tensor lse, params (string Name, Tensor Tensor)[] tensors)
    {
        var dtype = tensors[0].Tensor.DType;
        if (dtype is not (DType.F32 or DType.BF16))
            throw new ArgumentException($"{op}: q must be F32 or BF16, got {dtype}");
        if (tensors.Any(t => t.Tensor.DType != dtype))
            throw new ArgumentException($"{op}: {string.Join(", ", tensors.Select(t => t.Name))} must share one dtype; got "
                + string.Join(", ", tensors.Select(t => $"{t.Name} {t.Tensor.DType}")));
        if (lse.DType != DType.F32)
            throw new ArgumentException($"{op}: lse must be F32, got {lse.DType}");
        return dtype == DType.BF16 ? "_bf16" : "_f32";
    }

    private static (int Heads, AttentionShape Shape) AttentionShapeOf(Tensor q, Tensor k, bool causal, float scale)
    {
        var dh = q.Dims[3];
        if (dh > MaxAttentionHeadDim)
            throw new NotSupportedException($"the Cuda backend's attention takes head sizes up to {MaxAttentionHeadDim}; q {ShapeUtil.Format(q.Dims)} has {dh}");
        return (q.Dims[0] * q.Dims[1], new AttentionShape(q.Dims[2], k.Dims[2], dh, causal ? 1 : 0, scale));
    }

    /// <summary>A block of AttentionRows warps per AttentionRows rows of each head, all in grid.x.</summary>
    private static LaunchConfig AttentionBlocks(int heads, int rowsPerHead)
    {
        var blocks = (long)heads * ((rowsPerHead + AttentionRows - 1) / AttentionRows);
        if (blocks > int.MaxValue)
            throw new NotSupportedException($"attention over {heads} heads of {rowsPerHead} rows needs {blocks} blocks, more than one launch holds");
        return new LaunchConfig((int)blocks, 32 * AttentionRows);
    }

    /// <summary>The kernels' AttentionShape, field for field.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct AttentionShape(int S, int Sk, int Dh, int Causal, float Scale);
}
