namespace ClipEngine;

// Slicing, concatenation and stacking view every tensor as [outer, axis, inner]: a range of the axis is then `outer`
// blocks of (length · inner) contiguous elements, which the backend's CopyBlocks moves in one call.
public static partial class Ops
{
    /// <summary>
    /// Positions [start, start + length) of one axis (torch.narrow), as a new tensor of any dtype; a negative start
    /// counts from the end. Backward writes the gradient into zeros at the same positions.
    /// </summary>
    public static Tensor Slice(Tensor x, int axis, int start, int length)
    {
        var a = ShapeUtil.Axis(axis, x.Rank);
        var size = x.Dims[a];
        var from = start < 0 ? start + size : start;
        if (from < 0 || length < 0 || from > size - length)
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice: {length} positions from {start} do not fit axis {axis} (size {size}) of a tensor of shape {ShapeUtil.Format(x.Dims)}");
        var shape = (int[])x.Dims.Clone();
        shape[a] = length;
        var y = x.NewEmpty(shape);
        var (outer, inner) = AroundAxis(x.Dims, a);
        CopyAlongAxis(x, size, from, y, length, 0, length, outer, inner);
        return Autograd.Needs(x) ? Autograd.Record(y, new SliceNode(x, a, from, length, outer, inner)) : y;
    }

    /// <summary>Products of the dimensions before and after an axis.</summary>
    private static (int Outer, int Inner) AroundAxis(int[] dims, int axis) =>
        (ShapeUtil.Product(dims, 0, axis), ShapeUtil.Product(dims, axis + 1, dims.Length));

    /// <summary>
    /// Copies positions [sourceStart, sourceStart + length) of the axis of source (size sourceSize there) to positions
    /// from destinationStart of the axis of destination (size destinationSize); outer and inner are shared.
    /// </summary>
    private static void CopyAlongAxis(Tensor source, int sourceSize, int sourceStart, Tensor destination, int destinationSize, int destinationStart, int length, int outer, int inner)
    {
        if ((long)length * inner * outer == 0) return;
        source.Backend.CopyBlocks(
            source, (long)sourceStart * inner, (long)sourceSize * inner,
            destination, (long)destinationStart * inner, (long)destinationSize * inner,
            (long)length * inner, outer);
    }

    private sealed class SliceNode(Tensor x, int axis, int start, int length, int outer, int inner) : GradNode(x)
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var gx = Tensor.ZerosLike(x);
            CopyAlongAxis(g, length, 0, gx, x.Dims[axis], start, length, outer, inner);
            return [gx];
        }
    }
}
