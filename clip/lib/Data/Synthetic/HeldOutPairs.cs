namespace ClipEngine.Clip.Data;

/// <summary>
/// The colour × shape pairs that never appear in training samples (13 of the 64, 20%), so that zero-shot accuracy
/// on them measures whether a model composes a colour it has seen on other shapes with a shape it has seen in other
/// colours. Each colour and each shape is held out in at most two pairs, so each still appears in training with at
/// least six partners. Fixed: changing it changes what every trained checkpoint's evaluation means.
/// </summary>
public static class HeldOutPairs
{
    public static IReadOnlyList<(ShapeColor Color, ShapeKind Shape)> All { get; } =
    [
        (ShapeColor.Red, ShapeKind.Triangle),
        (ShapeColor.Red, ShapeKind.Hexagon),
        (ShapeColor.Green, ShapeKind.Circle),
        (ShapeColor.Green, ShapeKind.Star),
        (ShapeColor.Blue, ShapeKind.Square),
        (ShapeColor.Blue, ShapeKind.Ring),
        (ShapeColor.Yellow, ShapeKind.Cross),
        (ShapeColor.Yellow, ShapeKind.Hexagon),
        (ShapeColor.Purple, ShapeKind.Diamond),
        (ShapeColor.Purple, ShapeKind.Triangle),
        (ShapeColor.Orange, ShapeKind.Star),
        (ShapeColor.White, ShapeKind.Cross),
        (ShapeColor.Cyan, ShapeKind.Circle),
    ];

    public static bool Contains(ShapeColor color, ShapeKind shape) => All.Contains((color, shape));

    /// <summary>The pairs training samples are drawn from: all the others, colour-major.</summary>
    public static IReadOnlyList<(ShapeColor Color, ShapeKind Shape)> Seen { get; } =
        Colors.All.SelectMany(c => Shapes.All.Select(s => (c, s))).Where(p => !Contains(p.c, p.s)).ToArray();
}
