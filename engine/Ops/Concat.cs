namespace ClipEngine;

// Concatenation and stacking place each input at a range of one output axis (stacking: one position of a new axis),
// so the backward of both hands each input the matching range of the gradient.
public static partial class Ops
{
    /// <summary>
    /// The tensors joined along an existing axis (torch.cat); all other dimensions and the device must match. Mixed
    /// floating-point dtypes promote as torch's do: to F32 when any input is F32.
    /// </summary>
    public static Tensor Concat(Tensor[] xs, int axis = 0)
    {
        xs = Joinable(xs, "Concat");
        var first = xs[0];
        if (first.Rank == 0) throw new ArgumentException("Concat: scalars have no axis to join along; use Stack");
        var a = ShapeUtil.Axis(axis, first.Rank);
        foreach (var x in xs)
        {
            if (x.Rank != first.Rank || Enumerable.Range(0, x.Rank).Any(d => d != a && x.Dims[d] != first.Dims[d]))
                throw new ArgumentException($"Concat along axis {axis}: shapes {string.Join(", ", xs.Select(t => ShapeUtil.Format(t.Dims)))} differ outside that axis");
        }
        var lengths = xs.Select(x => x.Dims[a]).ToArray();
        var shape = (int[])first.Dims.Clone();
        shape[a] = checked(lengths.Sum());
        var (outer, inner) = AroundAxis(shape, a);
        return Join(xs, lengths, shape, shape[a], outer, inner);
    }

    /// <summary>
    /// Tensors of one shape joined along a new axis at position axis (torch.stack); negative axes count from the end
    /// of the result. Dtypes promote as in <see cref="Concat"/>.
    /// </summary>
    public static Tensor Stack(Tensor[] xs, int axis = 0)
    {
        xs = Joinable(xs, "Stack");
        var first = xs[0];
        if (xs.Any(x => !x.Dims.AsSpan().SequenceEqual(first.Dims)))
            throw new ArgumentException($"Stack needs tensors of one shape, got {string.Join(", ", xs.Select(t => ShapeUtil.Format(t.Dims)))}");
        var a = ShapeUtil.Axis(axis, first.Rank + 1);
        int[] shape = [.. first.Dims[..a], xs.Length, .. first.Dims[a..]];
        var (outer, inner) = AroundAxis(shape, a);
        return Join(xs, xs.Select(_ => 1).ToArray(), shape, xs.Length, outer, inner);
    }

    /// <summary>The inputs on one device and of one dtype: mixed floating-point dtypes widened to F32, other mixtures refused.</summary>
    private static Tensor[] Joinable(Tensor[] xs, string op)
    {
        if (xs.Length == 0) throw new ArgumentException($"{op} needs at least one tensor");
        var first = xs[0];
        foreach (var x in xs) CheckSameDevice(first, x, op);
        if (xs.All(x => x.DType == first.DType)) return xs;
        if (!xs.All(x => x.DType.IsFloatingPoint()))
            throw new ArgumentException($"{op}: tensors of different dtypes ({string.Join(", ", xs.Select(x => x.DType).Distinct())})");
        return [.. xs.Select(x => Fp32(x, op))];
    }

    /// <summary>Writes input i at positions [offset_i, offset_i + lengths[i]) of the joined axis of size total.</summary>
    private static Tensor Join(Tensor[] xs, int[] lengths, int[] shape, int total, int outer, int inner)
    {
        var y = xs[0].NewEmpty(shape);
        var offsets = new int[xs.Length];
        for (var i = 0; i < xs.Length; i++)
        {
            offsets[i] = i == 0 ? 0 : offsets[i - 1] + lengths[i - 1];
            CopyAlongAxis(xs[i], lengths[i], 0, y, total, offsets[i], lengths[i], outer, inner);
        }
        var needs = Autograd.IsEnabled && xs.Any(x => x.RequiresGrad);
        return needs ? Autograd.Record(y, new JoinNode(xs, xs.Select(x => x.Dims).ToArray(), offsets, lengths, total, outer, inner)) : y;
    }

    private sealed class JoinNode(Tensor[] xs, int[][] shapes, int[] offsets, int[] lengths, int total, int outer, int inner) : GradNode(xs)
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var grads = new Tensor?[shapes.Length];
            for (var i = 0; i < shapes.Length; i++)
            {
                if (!NeedsGrad(i)) continue;
                var gx = g.NewEmpty(shapes[i]);
                CopyAlongAxis(g, total, offsets[i], gx, lengths[i], 0, lengths[i], outer, inner);
                grads[i] = gx;
            }
            return grads;
        }
    }
}
