namespace ClipEngine.Clip.Data;

/// <summary>The shapes the synthetic dataset draws; the numeric value is the shape's index in class tables.</summary>
public enum ShapeKind { Circle, Square, Triangle, Star, Cross, Ring, Diamond, Hexagon }

/// <summary>
/// Names and outlines of the <see cref="ShapeKind"/>s. Every outline lies inside the unit disc around the object's
/// centre (y pointing down, as in the image) and is scaled by the object's radius in pixels when drawn.
/// </summary>
public static class Shapes
{
    public static IReadOnlyList<ShapeKind> All { get; } = Enum.GetValues<ShapeKind>();

    public static string Name(ShapeKind shape) => shape.ToString().ToLowerInvariant();

    /// <summary>Polygon vertices in unit coordinates, or null for <see cref="ShapeKind.Circle"/> and <see cref="ShapeKind.Ring"/>.</summary>
    public static IReadOnlyList<(double X, double Y)>? Outline(ShapeKind shape) => Geometries[(int)shape] is PolygonGeometry p ? p.Vertices : null;

    /// <summary>Radius of <see cref="ShapeKind.Circle"/> and outer radius of <see cref="ShapeKind.Ring"/>.</summary>
    public const double DiscRadius = 0.9;

    public const double RingInnerRadius = 0.5;

    internal static ShapeGeometry Geometry(ShapeKind shape) => Geometries[(int)shape];

    private static readonly ShapeGeometry[] Geometries =
    [
        new DiscGeometry(DiscRadius),
        new PolygonGeometry([(-0.7, -0.7), (0.7, -0.7), (0.7, 0.7), (-0.7, 0.7)]),
        // Equilateral, pointing up, shifted so that its bounding box (not its circumcentre) is centred.
        new PolygonGeometry([(0, -0.65), (0.75, 0.65), (-0.75, 0.65)]),
        new PolygonGeometry(Radial(10, i => i % 2 == 0 ? 1.0 : 0.42)),
        new PolygonGeometry(Cross(armHalfWidth: 0.3, armLength: 0.9)),
        new RingGeometry(DiscRadius, RingInnerRadius),
        // Taller than wide, so that it is not just a square turned by 45°.
        new PolygonGeometry([(0, -1), (0.7, 0), (0, 1), (-0.7, 0)]),
        new PolygonGeometry(Radial(6, _ => 0.95)),
    ];

    /// <summary>Vertices at equal angles starting straight up, at the radius <paramref name="radius"/> gives each.</summary>
    private static (double, double)[] Radial(int count, Func<int, double> radius) =>
        Enumerable.Range(0, count)
            .Select(i => (Angle: -Math.PI / 2 + 2 * Math.PI * i / count, R: radius(i)))
            .Select(v => (v.R * Math.Cos(v.Angle), v.R * Math.Sin(v.Angle)))
            .ToArray();

    private static (double, double)[] Cross(double armHalfWidth, double armLength)
    {
        double w = armHalfWidth, l = armLength;
        return [(-w, -l), (w, -l), (w, -w), (l, -w), (l, w), (w, w), (w, l), (-w, l), (-w, w), (-l, w), (-l, -w), (-w, -w)];
    }
}
