namespace ClipEngine.Tests.Cuda;

/// <summary>
/// [rows, width] shapes for the row-wise kernels (softmax, L2 normalisation, layer norm, cross-entropy): one element,
/// widths under a warp, just over two warps, just over 256 threads and over a thousand, and many short rows.
/// </summary>
public static class RowShapes
{
    public static TheoryData<int, int> All => With();

    /// <summary><see cref="All"/> and the <paramref name="extra"/> shapes a kernel needs besides.</summary>
    public static TheoryData<int, int> With(params (int Rows, int Width)[] extra)
    {
        var shapes = new TheoryData<int, int>
        {
            { 1, 1 },
            { 3, 17 },
            { 4, 65 },
            { 2, 257 },
            { 65, 3 },
            { 1, 1000 },
        };
        foreach (var (rows, width) in extra) shapes.Add(rows, width);
        return shapes;
    }
}
