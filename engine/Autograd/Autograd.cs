namespace ClipEngine;

/// <summary>Reverse-mode differentiation over the graph recorded by the ops, and the switch that stops recording.</summary>
public static class Autograd
{
    [ThreadStatic] private static int _noGradDepth;

    /// <summary>Whether ops on this thread record the graph (torch.is_grad_enabled()).</summary>
    public static bool IsEnabled => _noGradDepth == 0;

    /// <summary>Within the returned scope no graph is recorded (torch.no_grad()).</summary>
    public static NoGradScope NoGrad()
    {
        _noGradDepth++;
        return new NoGradScope();
    }

    public readonly struct NoGradScope : IDisposable
    {
        public void Dispose() => _noGradDepth--;
    }

    /// <summary>Within the returned scope the graph is recorded even inside <see cref="NoGrad"/> (torch.enable_grad()).</summary>
    public static EnableGradScope EnableGrad()
    {
        var scope = new EnableGradScope(_noGradDepth);
        _noGradDepth = 0;
        return scope;
    }

    public readonly struct EnableGradScope(int outerDepth) : IDisposable
    {
        public void Dispose() => _noGradDepth = outerDepth;
    }

    /// <summary>True when an op with these inputs must record a node.</summary>
    internal static bool Needs(Tensor a) => IsEnabled && a.RequiresGrad;

    internal static bool Needs(Tensor a, Tensor? b) => IsEnabled && (a.RequiresGrad || b is { RequiresGrad: true });

    internal static bool Needs(Tensor a, Tensor? b, Tensor? c) =>
        IsEnabled && (a.RequiresGrad || b is { RequiresGrad: true } || c is { RequiresGrad: true });

    /// <summary>Makes <paramref name="node"/> the producer of <paramref name="output"/>.</summary>
    internal static Tensor Record(Tensor output, GradNode node)
    {
        output.GradFn = node;
        return output;
    }

    /// <summary>
    /// Back-propagates from <paramref name="root"/>: gradients of intermediates are summed per node, handed to each
    /// node once in reverse topological order, then disposed; leaves accumulate into <see cref="Tensor.Grad"/>.
    /// Every gradient is converted to its tensor's dtype on the way.
    /// Unless <paramref name="retainGraph"/>, the graph's saved tensors are released as it goes.
    /// </summary>
    internal static void Backward(Tensor root, Tensor? gradient, bool retainGraph)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException("Backward() on a tensor that does not require grad: no input of it has RequiresGrad = true");
        using var _ = NoGrad();
        Tensor seed;
        if (gradient is null)
        {
            if (root.NumEl != 1)
                throw new InvalidOperationException($"Backward() without a gradient needs a scalar; this tensor has shape {ShapeUtil.Format(root.Dims)}");
            seed = Tensor.Ones(root.Dims, root.DType, root.Device);
        }
        else
        {
            if (!gradient.Dims.AsSpan().SequenceEqual(root.Dims))
                throw new ArgumentException($"gradient shape {ShapeUtil.Format(gradient.Dims)} does not match tensor shape {ShapeUtil.Format(root.Dims)}");
            seed = gradient.DType == root.DType ? gradient.Clone() : Ops.Cast(gradient, root.DType);
        }

        if (root.GradFn is null)
        {
            Accumulate(root, seed);
            return;
        }

        var order = TopologicalOrder(root.GradFn);
        var pending = new Dictionary<GradNode, Tensor> { [root.GradFn] = seed };
        foreach (var node in order)
        {
            if (node.IsReleased)
                throw new InvalidOperationException($"Backward through {node.Name} a second time: its saved tensors were released; pass retainGraph: true the first time");
            if (!pending.Remove(node, out var gradOut)) continue;
            var inputs = node.Inputs;
            var grads = node.Backward(gradOut);
            gradOut.Dispose();
            for (var i = 0; i < inputs.Length; i++)
            {
                var input = inputs[i];
                var g = grads[i];
                if (g is null) continue;
                if (input is null || !input.RequiresGrad)
                {
                    g.Dispose();
                    continue;
                }
                if (!g.Dims.AsSpan().SequenceEqual(input.Dims))
                    throw new InvalidOperationException($"{node.Name} returned a gradient of shape {ShapeUtil.Format(g.Dims)} for input {i} of shape {ShapeUtil.Format(input.Dims)}");
                if (g.DType != input.DType)
                {
                    // A gradient has its tensor's dtype (a BF16 activation's is BF16), whatever the node computed in.
                    var cast = Ops.Cast(g, input.DType);
                    g.Dispose();
                    g = cast;
                }
                if (input.GradFn is { } producer)
                {
                    if (pending.TryGetValue(producer, out var sum))
                    {
                        // Out of place: a node may hand back views of its incoming gradient, so g and sum can share storage with other pending gradients.
                        pending[producer] = Ops.Add(sum, g);
                        sum.Dispose();
                        g.Dispose();
                    }
                    else
                    {
                        pending[producer] = g;
                    }
                }
                else
                {
                    Accumulate(input, g);
                }
            }
            if (!retainGraph) node.Release();
        }
    }

    /// <summary>Leaf gradients are owned outright (never a view of another gradient), since optimizers update them in place.</summary>
    private static void Accumulate(Tensor leaf, Tensor g)
    {
        Tensor result;
        if (leaf.Grad is null)
        {
            result = g.Storage.IsShared ? g.Clone() : g;
        }
        else
        {
            result = Ops.Add(leaf.Grad, g);
            leaf.Grad.Dispose();
        }
        if (result != g) g.Dispose();
        TensorScope.Untrack(result);
        leaf.Grad = result;
    }

    /// <summary>Nodes ordered so that each comes before every node feeding it (iterative DFS: deep graphs must not overflow the stack).</summary>
    private static List<GradNode> TopologicalOrder(GradNode root)
    {
        var postOrder = new List<GradNode>();
        var visited = new HashSet<GradNode> { root };
        var stack = new Stack<(GradNode Node, int Next)>();
        stack.Push((root, 0));
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            var inputs = node.Inputs;
            var pushedChild = false;
            for (var i = next; i < inputs.Length; i++)
            {
                if (inputs[i]?.GradFn is { } child && visited.Add(child))
                {
                    stack.Push((node, i + 1));
                    stack.Push((child, 0));
                    pushedChild = true;
                    break;
                }
            }
            if (!pushedChild) postOrder.Add(node);
        }
        postOrder.Reverse();
        return postOrder;
    }
}
