namespace ClipEngine;

// Row lookups: index_select, embedding, and picking one position per batch element (CLIP's pooling at the EOT
// token). All are the backend's GatherRows over a table whose leading axes are the rows; the backward zeroes a
// gradient of the table's shape and adds each output row back into the row it came from (ScatterAddRows).
public static partial class Ops
{
    /// <summary>
    /// The entries of x at positions indices (1-D, I32 or I64) along an axis (torch.index_select); the result has
    /// indices.Size(0) positions there. Other axes than 0 are moved to the front and back by permutations.
    /// </summary>
    public static Tensor IndexSelect(Tensor x, int axis, Tensor indices)
    {
        CheckIndices(indices, x, "IndexSelect");
        if (indices.Rank != 1) throw new ArgumentException($"IndexSelect needs 1-D indices, got shape {ShapeUtil.Format(indices.Dims)}");
        var a = ShapeUtil.Axis(axis, x.Rank);
        if (a == 0) return TakeRows(x, 1, indices, ownsIndices: false);
        int[] toFront = [a, .. Enumerable.Range(0, x.Rank).Where(d => d != a)];
        int[] back = [.. Enumerable.Range(1, a), 0, .. Enumerable.Range(a + 1, x.Rank - a - 1)];
        var moved = Permute(x, toFront);
        var selected = TakeRows(moved, 1, indices, ownsIndices: false);
        return Permute(selected, back);
    }

    /// <summary>
    /// Rows of weight [V, D] at indices (any shape, I32 or I64) giving [..., D] (F.embedding). An index outside
    /// [0, V) is an error naming it. Repeated indices add their gradients into the same row.
    /// </summary>
    public static Tensor Embedding(Tensor indices, Tensor weight)
    {
        CheckIndices(indices, weight, "Embedding");
        if (weight.Rank != 2) throw new ArgumentException($"Embedding needs a weight [V, D], got shape {ShapeUtil.Format(weight.Dims)}");
        return TakeRows(weight, 1, indices, ownsIndices: false);
    }

    /// <summary>
    /// One position per batch element: x [B, S, ...] and indices [B] give y [B, ...] with y[b] = x[b, indices[b]],
    /// i.e. PyTorch's x[torch.arange(B), indices], as CLIP pools the text at its EOT token. The indices are read on
    /// the host to check them and to turn them into rows of x viewed as [B·S, ...].
    /// </summary>
    public static Tensor SelectRows(Tensor x, Tensor indices)
    {
        CheckIndices(indices, x, "SelectRows");
        if (x.Rank < 2 || indices.Rank != 1 || indices.Dims[0] != x.Dims[0])
            throw new ArgumentException($"SelectRows needs x [B, S, ...] and indices [B], got {ShapeUtil.Format(x.Dims)} and {ShapeUtil.Format(indices.Dims)}");
        var positions = indices.DType == DType.I64 ? indices.ToArray<long>() : indices.ToArray<int>().Select(i => (long)i).ToArray();
        var length = x.Dims[1];
        var rows = new long[positions.Length];
        for (var b = 0; b < rows.Length; b++)
        {
            if ((ulong)positions[b] >= (ulong)length)
                throw new IndexOutOfRangeException($"SelectRows: index {positions[b]} of batch element {b} is out of range for axis 1 of size {length} (x {ShapeUtil.Format(x.Dims)})");
            rows[b] = b * length + positions[b];
        }
        return TakeRows(x, 2, Tensor.FromSpan<long>(rows, [rows.Length], DType.I64, x.Device), ownsIndices: true);
    }

    private static void CheckIndices(Tensor indices, Tensor table, string op)
    {
        if (indices.DType is not (DType.I32 or DType.I64))
            throw new ArgumentException($"{op}: indices must be I32 or I64, not {indices.DType}");
        CheckSameDevice(indices, table, op);
    }

    /// <summary>
    /// Rows of table, whose first rowAxes axes are merged into the row index, at indices: the result is
    /// [...indices shape, ...table shape after those axes]. The node disposes indices the op made itself.
    /// </summary>
    private static Tensor TakeRows(Tensor table, int rowAxes, Tensor indices, bool ownsIndices)
    {
        var rows = ShapeUtil.Product(table.Dims, 0, rowAxes);
        var rowShape = table.Dims[rowAxes..];
        var n = checked((int)indices.NumEl);
        var width = ShapeUtil.Product(rowShape, 0, rowShape.Length);
        var y = table.NewEmpty([.. indices.Dims, .. rowShape]);
        using (var rowsView = table.View([rows, width]))
        using (var flatIndices = indices.View([n]))
        using (var output = y.View([n, width]))
            table.Backend.GatherRows(rowsView, flatIndices, output);
        if (Autograd.Needs(table)) return Autograd.Record(y, new TakeRowsNode(table, indices, rows, width, ownsIndices));
        if (ownsIndices) indices.Dispose();
        return y;
    }

    private sealed class TakeRowsNode(Tensor table, Tensor indices, int rows, int width, bool ownsIndices) : GradNode(table)
    {
        public override string Name => "TakeRowsBackward";

        protected internal override Tensor?[] Backward(Tensor g)
        {
            var n = (int)indices.NumEl;
            // Rows add up in F32 whatever the table stores; autograd narrows the sum to the table's dtype.
            var gTable = Tensor.Zeros(table.Dims, DType.F32, table.Device);
            using var rowsView = gTable.View([rows, width]);
            using var flatIndices = indices.View([n]);
            var wide = Fp32(g, Name);
            using (var gRows = wide.View([n, width]))
                table.Backend.ScatterAddRows(gRows, flatIndices, rowsView);
            if (wide != g) wide.Dispose();
            return [gTable];
        }

        protected override void ReleaseSaved()
        {
            if (ownsIndices) indices.Dispose();
        }
    }
}
