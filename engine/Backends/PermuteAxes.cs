namespace ClipEngine.Backends;

/// <summary>How backends simplify a permutation before copying: the fewer and larger the axes, the cheaper the index math.</summary>
internal static class PermuteAxes
{
    /// <summary>
    /// The same permutation over fewer, larger axes: size-1 axes are dropped, and output axes that are adjacent and
    /// in order in the input merge. Returns the input's coalesced shape and the permutation of its axes.
    /// </summary>
    public static (int[] Dims, int[] Order) Coalesce(int[] shape, int[] perm)
    {
        var kept = perm.Where(a => shape[a] != 1).ToArray();
        var groups = new List<List<int>>();
        foreach (var axis in kept)
        {
            if (groups.Count > 0 && groups[^1][^1] < axis && AllOnesBetween(shape, groups[^1][^1], axis)) groups[^1].Add(axis);
            else groups.Add([axis]);
        }
        // Groups in input order give the coalesced input axes; their positions in output order give the permutation.
        var byInput = groups.OrderBy(g => g[0]).ToList();
        var dims = byInput.Select(g => g.Aggregate(1, (p, a) => p * shape[a])).ToArray();
        var order = groups.Select(g => byInput.IndexOf(g)).ToArray();
        return (dims, order);
    }

    private static bool AllOnesBetween(int[] shape, int from, int to)
    {
        for (var a = from + 1; a < to; a++)
            if (shape[a] != 1) return false;
        return true;
    }
}
