namespace ClipEngine;

// Permute and transpose write the permuted tensor out (tensors are always contiguous); the backward permutes the
// gradient back with the inverse permutation.
public static partial class Ops
{
    /// <summary>x with its axes reordered, output axis i being input axis dims[i] (torch.permute), as a new tensor of any dtype.</summary>
    public static Tensor Permute(Tensor x, params int[] dims)
    {
        var perm = CheckPermutation(x, dims);
        var y = x.NewEmpty(perm.Select(a => x.Dims[a]).ToArray());
        x.Backend.Permute(x, perm, y);
        return Autograd.Needs(x) ? Autograd.Record(y, new PermuteNode(x, perm)) : y;
    }

    /// <summary>x with two axes swapped (torch.transpose), as a new tensor.</summary>
    public static Tensor Transpose(Tensor x, int dim0, int dim1)
    {
        var perm = Enumerable.Range(0, x.Rank).ToArray();
        int a = ShapeUtil.Axis(dim0, x.Rank), b = ShapeUtil.Axis(dim1, x.Rank);
        (perm[a], perm[b]) = (perm[b], perm[a]);
        return Permute(x, perm);
    }

    private static int[] CheckPermutation(Tensor x, int[] dims)
    {
        var perm = dims.Length == x.Rank ? dims.Select(d => d < 0 ? d + x.Rank : d).ToArray() : [];
        if (dims.Length != x.Rank || !perm.Order().SequenceEqual(Enumerable.Range(0, x.Rank)))
            throw new ArgumentException($"Permute: [{string.Join(", ", dims)}] is not a permutation of the {x.Rank} axes of a tensor of shape {ShapeUtil.Format(x.Dims)}");
        return perm;
    }

    private sealed class PermuteNode(Tensor x, int[] perm) : GradNode(x)
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var inverse = new int[perm.Length];
            for (var i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
            return [Permute(g, inverse)];
        }
    }
}
