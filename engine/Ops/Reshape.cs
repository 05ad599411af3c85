namespace ClipEngine;

// Reshape: a view over the same storage; its backward views the gradient back.
public static partial class Ops
{
    /// <summary>Same elements, new shape (one dimension may be -1); shares storage with x.</summary>
    public static Tensor Reshape(Tensor x, params int[] shape)
    {
        var resolved = ResolveShape(shape, x.NumEl, x.Dims);
        var y = x.View(resolved);
        return Autograd.Needs(x) ? Autograd.Record(y, new ReshapeNode(x)) : y;
    }

    private static int[] ResolveShape(int[] shape, long numel, int[] from)
    {
        var resolved = (int[])shape.Clone();
        var inferred = -1;
        long known = 1;
        for (var i = 0; i < resolved.Length; i++)
        {
            if (resolved[i] == -1)
            {
                if (inferred >= 0) throw new ArgumentException($"reshape to {ShapeUtil.Format(shape)}: only one dimension can be -1");
                inferred = i;
            }
            else if (resolved[i] < 0)
            {
                throw new ArgumentException($"reshape to {ShapeUtil.Format(shape)}: negative dimension");
            }
            else
            {
                known *= resolved[i];
            }
        }
        if (inferred >= 0 && known != 0 && numel % known == 0) resolved[inferred] = (int)(numel / known);
        if ((inferred >= 0 && (known == 0 || numel % known != 0)) || ShapeUtil.NumEl(resolved) != numel)
            throw new ArgumentException($"cannot reshape a tensor of shape {ShapeUtil.Format(from)} ({numel} elements) to {ShapeUtil.Format(shape)}");
        return resolved;
    }

    private sealed class ReshapeNode(Tensor x) : GradNode(x)
    {
        protected internal override Tensor?[] Backward(Tensor g) => [g.View(x.Dims)];
    }
}
