using ClipEngine.Backends;

namespace ClipEngine;

// Sum, mean, max and argmax along axes. Every reduction is a sequence of backend calls on x viewed as
// [outer, n, inner], one per run of adjacent reduced axes.
public static partial class Ops
{
    /// <summary>Sum of all elements, as a 0-dimensional tensor.</summary>
    public static Tensor Sum(Tensor x) => Sum(x, AllAxes(x), keepDim: false);

    public static Tensor Sum(Tensor x, int axis, bool keepDim = false) => Sum(x, [axis], keepDim);

    public static Tensor Sum(Tensor x, int[] axes, bool keepDim = false) => SumOrMean(x, axes, keepDim, mean: false);

    /// <summary>Mean of all elements, as a 0-dimensional tensor.</summary>
    public static Tensor Mean(Tensor x) => Mean(x, AllAxes(x), keepDim: false);

    public static Tensor Mean(Tensor x, int axis, bool keepDim = false) => Mean(x, [axis], keepDim);

    public static Tensor Mean(Tensor x, int[] axes, bool keepDim = false) => SumOrMean(x, axes, keepDim, mean: true);

    /// <summary>Largest value along an axis and the (first) index where it sits, as torch.max(x, dim).</summary>
    public static (Tensor Values, Tensor Indices) Max(Tensor x, int axis, bool keepDim = false)
    {
        x = Fp32(x, "Max");
        var (outer, n, inner, reduced) = AxisView(x, axis);
        var values = x.NewEmpty(reduced);
        var indices = x.NewEmpty(reduced, DType.I64);
        x.Backend.Reduce(ReduceOp.Max, x, outer, n, inner, values, indices);
        var shape = ReducedShape(x.Dims, [ShapeUtil.Axis(axis, x.Rank)], keepDim);
        var result = ReshapeOutput(values, shape);
        if (Autograd.Needs(x)) Autograd.Record(result, new MaxNode(x, indices.View(reduced), outer, n, inner));
        return (result, ReshapeOutput(indices, shape));
    }

    /// <summary>Index of the (first) largest value along an axis, as I64.</summary>
    public static Tensor ArgMax(Tensor x, int axis, bool keepDim = false)
    {
        x = Fp32(x, "ArgMax");
        var (outer, n, inner, reduced) = AxisView(x, axis);
        using var scratch = x.NewEmpty(reduced);
        var indices = x.NewEmpty(reduced, DType.I64);
        x.Backend.Reduce(ReduceOp.ArgMax, x, outer, n, inner, scratch, indices);
        return ReshapeOutput(indices, ReducedShape(x.Dims, [ShapeUtil.Axis(axis, x.Rank)], keepDim));
    }

    /// <summary>
    /// Sums <paramref name="g"/> down to <paramref name="shape"/>, undoing a broadcast: leading axes it lacks and
    /// axes where it has size 1 are summed. Returns a view of g when nothing needs summing; a sum is F32.
    /// </summary>
    internal static Tensor SumTo(Tensor g, int[] shape)
    {
        if (g.Dims.AsSpan().SequenceEqual(shape)) return g.View(shape);
        var lead = g.Rank - shape.Length;
        var axes = new List<int>();
        for (var i = 0; i < g.Rank; i++)
            if (i < lead || (shape[i - lead] == 1 && g.Dims[i] != 1)) axes.Add(i);
        var wide = Fp32(g, "SumTo");
        using var summed = ReduceAxes(ReduceOp.Sum, wide, [.. axes]);
        if (wide != g) wide.Dispose();
        return summed.View(shape);
    }

    private static int[] AllAxes(Tensor x) => Enumerable.Range(0, x.Rank).ToArray();

    private static Tensor SumOrMean(Tensor x, int[] axes, bool keepDim, bool mean)
    {
        x = Fp32(x, mean ? "Mean" : "Sum");
        var normalized = axes.Select(a => ShapeUtil.Axis(a, x.Rank)).Distinct().Order().ToArray();
        if (normalized.Length != axes.Length) throw new ArgumentException($"axis given twice in [{string.Join(", ", axes)}]");
        var y = ReduceAxes(mean ? ReduceOp.Mean : ReduceOp.Sum, x, normalized);
        var result = ReshapeOutput(y, ReducedShape(x.Dims, normalized, keepDim));
        return Autograd.Needs(x) ? Autograd.Record(result, new SumNode(x, normalized, mean)) : result;
    }

    /// <summary>Reduces sorted axes run by run (adjacent axes reduce in one call); the result keeps reduced axes as size 1.</summary>
    private static Tensor ReduceAxes(ReduceOp op, Tensor x, int[] sortedAxes)
    {
        var current = x.View(x.Dims);
        var i = 0;
        while (i < sortedAxes.Length)
        {
            var first = sortedAxes[i];
            var last = first;
            while (i + 1 < sortedAxes.Length && sortedAxes[i + 1] == last + 1) last = sortedAxes[++i];
            i++;
            var dims = current.Dims;
            var outer = ShapeUtil.Product(dims, 0, first);
            var n = ShapeUtil.Product(dims, first, last + 1);
            var inner = ShapeUtil.Product(dims, last + 1, dims.Length);
            var shape = (int[])dims.Clone();
            for (var a = first; a <= last; a++) shape[a] = 1;
            var next = x.NewEmpty(shape);
            x.Backend.Reduce(op, current, outer, n, inner, next, null);
            current.Dispose();
            current = next;
        }
        return current;
    }

    private static (int Outer, int N, int Inner, int[] Reduced) AxisView(Tensor x, int axis)
    {
        var a = ShapeUtil.Axis(axis, x.Rank);
        var outer = ShapeUtil.Product(x.Dims, 0, a);
        var inner = ShapeUtil.Product(x.Dims, a + 1, x.Rank);
        return (outer, x.Dims[a], inner, [outer, inner]);
    }

    private static int[] ReducedShape(int[] dims, int[] sortedAxes, bool keepDim)
    {
        var shape = new List<int>();
        for (var i = 0; i < dims.Length; i++)
        {
            if (Array.BinarySearch(sortedAxes, i) < 0) shape.Add(dims[i]);
            else if (keepDim) shape.Add(1);
        }
        return [.. shape];
    }

    /// <summary>Gives a freshly computed tensor its final shape (a view), handing its storage over.</summary>
    private static Tensor ReshapeOutput(Tensor t, int[] shape)
    {
        if (t.Dims.AsSpan().SequenceEqual(shape)) return t;
        using (t) return t.View(shape);
    }

    private sealed class SumNode(Tensor x, int[] axes, bool mean) : GradNode(x)
    {
        public override string Name => mean ? "MeanBackward" : "SumBackward";

        protected internal override Tensor?[] Backward(Tensor g)
        {
            using var kept = g.View(ReducedShape(x.Dims, axes, keepDim: true));
            var gx = x.NewEmpty(x.Dims);
            x.Backend.Broadcast(kept, gx);
            if (!mean) return [gx];
            var count = axes.Aggregate(1L, (n, a) => n * x.Dims[a]);
            x.Backend.Scalar(ScalarOp.Mul, gx, 1f / count, gx);
            return [gx];
        }
    }

    private sealed class MaxNode(Tensor x, Tensor indices, int outer, int n, int inner) : GradNode(x)
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var gx = x.NewEmpty(x.Dims);
            x.Backend.ScatterAlongAxis(g, indices, outer, n, inner, gx);
            return [gx];
        }

        protected override void ReleaseSaved() => indices.Dispose();
    }
}
