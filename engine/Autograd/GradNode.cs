namespace ClipEngine;

/// <summary>
/// One recorded op in the dynamic graph: it knows its inputs and how to turn the gradient of its output into
/// gradients of those inputs. Each op's node sits in the op's own file, beside its forward.
/// </summary>
public abstract class GradNode
{
    protected GradNode(params Tensor?[] inputs) => Inputs = inputs;

    /// <summary>The op's inputs in order; gradients are returned in the same order.</summary>
    internal Tensor?[] Inputs { get; private set; }

    internal bool IsReleased { get; private set; }

    public virtual string Name => GetType().Name;

    /// <summary>
    /// Given d loss / d output, returns d loss / d input for each input (null where an input needs none).
    /// Runs with grad mode off. The returned tensors are handed to the engine, which disposes or keeps them.
    /// </summary>
    protected internal abstract Tensor?[] Backward(Tensor gradOutput);

    /// <summary>Disposes what the node itself allocated for backward (saved statistics); inputs are not its to dispose.</summary>
    protected virtual void ReleaseSaved()
    {
    }

    /// <summary>True when input <paramref name="index"/> wants a gradient; lets a backward skip work nobody uses.</summary>
    protected bool NeedsGrad(int index) => Inputs[index] is { RequiresGrad: true };

    internal void Release()
    {
        if (IsReleased) return;
        IsReleased = true;
        ReleaseSaved();
        Inputs = [];
    }
}
