namespace ClipEngine;

// Unsqueeze, squeeze and flatten only rename the shape, so they are reshapes: views sharing x's storage.
public static partial class Ops
{
    /// <summary>x with a new axis of size 1 at position dim, which may be negative (from the end, −1 = new last axis).</summary>
    public static Tensor Unsqueeze(Tensor x, int dim)
    {
        var at = ShapeUtil.Axis(dim, x.Rank + 1);
        return Reshape(x, [.. x.Dims[..at], 1, .. x.Dims[at..]]);
    }

    /// <summary>x without axis dim when that axis has size 1; otherwise x's shape unchanged (torch.squeeze(x, dim)).</summary>
    public static Tensor Squeeze(Tensor x, int dim)
    {
        var at = ShapeUtil.Axis(dim, x.Rank);
        return Reshape(x, x.Dims[at] == 1 ? [.. x.Dims[..at], .. x.Dims[(at + 1)..]] : x.Dims);
    }

    /// <summary>x without any of its axes of size 1.</summary>
    public static Tensor Squeeze(Tensor x) => Reshape(x, x.Dims.Where(d => d != 1).ToArray());

    /// <summary>Axes startDim through endDim (inclusive, negative from the end) merged into one (torch.flatten); a scalar becomes [1].</summary>
    public static Tensor Flatten(Tensor x, int startDim = 0, int endDim = -1)
    {
        if (x.Rank == 0) return Reshape(x, 1);
        int start = ShapeUtil.Axis(startDim, x.Rank), end = ShapeUtil.Axis(endDim, x.Rank);
        if (start > end)
            throw new ArgumentException($"Flatten: start axis {startDim} comes after end axis {endDim} in a tensor of shape {ShapeUtil.Format(x.Dims)}");
        return Reshape(x, [.. x.Dims[..start], ShapeUtil.Product(x.Dims, start, end + 1), .. x.Dims[(end + 1)..]]);
    }
}
