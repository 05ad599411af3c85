namespace ClipEngine;

/// <summary>
/// Activation checkpointing (torch.utils.checkpoint, the reentrant variant): trades compute for memory by keeping
/// only a segment's input and output during the forward pass and running the segment again, with the graph
/// recorded, when backward reaches it.
/// </summary>
public static class Checkpoint
{
    /// <summary>
    /// <paramref name="function"/>(<paramref name="input"/>) with its intermediates released at once. Backward
    /// recomputes them and back-propagates through the recomputation: the input's gradient flows on through the
    /// outer graph, and <paramref name="parameters"/> (the leaves the function reads besides its input) receive
    /// their gradients directly. The function must be deterministic (no random draws), since it runs twice and
    /// the two runs must agree. Without grad mode, or when nothing involved requires grad, this is a plain call.
    /// </summary>
    public static Tensor Run(Func<Tensor, Tensor> function, Tensor input, IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(input);
        Tensor[] leaves = [.. parameters];
        if (!Autograd.IsEnabled || (!input.RequiresGrad && !leaves.Any(p => p.RequiresGrad))) return function(input);

        Tensor output;
        using (var scope = TensorScope.Begin())
        using (Autograd.NoGrad())
        {
            output = function(input);
            if (ReferenceEquals(output, input)) output = input.Detach();
            scope.Keep(output);
        }
        return Autograd.Record(output, new CheckpointNode(function, input, leaves, Autocast.Dtype));
    }

    /// <summary>The recomputation runs at the forward's <see cref="Autocast"/> precision, wherever backward is called.</summary>
    private sealed class CheckpointNode(Func<Tensor, Tensor> function, Tensor input, Tensor[] parameters, DType precision) : GradNode([input, .. parameters])
    {
        public override string Name => "CheckpointBackward";

        protected internal override Tensor?[] Backward(Tensor g)
        {
            var grads = new Tensor?[1 + parameters.Length];
            using var scope = TensorScope.Begin();
            var x = input.Detach();
            x.RequiresGrad = input.RequiresGrad;
            using (Autograd.EnableGrad())
            using (Autocast.Enable(precision))
            {
                var recomputed = function(x);
                if (!recomputed.RequiresGrad)
                    throw new InvalidOperationException("a checkpointed function's recomputation does not depend on anything that requires grad");
                recomputed.Backward(g);
            }
            // The input's gradient is handed on; x, disposed with the scope, must not take it along.
            grads[0] = x.Grad;
            x.Grad = null;
            return grads;
        }
    }
}
