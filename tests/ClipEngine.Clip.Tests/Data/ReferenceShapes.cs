using ClipEngine.Clip.Data;

namespace ClipEngine.Clip.Tests.Data;

/// <summary>
/// The shapes in float64, independent of the rasteriser's code: inside tests and exact areas from the published
/// outlines (<see cref="Shapes.Outline"/>, the disc and ring radii), and the object-to-image transform
/// (centre and radius as fractions of the side, rotation clockwise on screen).
/// </summary>
internal static class ReferenceShapes
{
    public static bool Contains(ShapeKind shape, double u, double v)
    {
        var r2 = u * u + v * v;
        return shape switch
        {
            ShapeKind.Circle => r2 < Shapes.DiscRadius * Shapes.DiscRadius,
            ShapeKind.Ring => r2 < Shapes.DiscRadius * Shapes.DiscRadius && r2 > Shapes.RingInnerRadius * Shapes.RingInnerRadius,
            _ => InPolygon(Shapes.Outline(shape)!, u, v),
        };
    }

    /// <summary>Area in unit coordinates (multiply by the radius in pixels squared).</summary>
    public static double Area(ShapeKind shape) => shape switch
    {
        ShapeKind.Circle => Math.PI * Shapes.DiscRadius * Shapes.DiscRadius,
        ShapeKind.Ring => Math.PI * (Shapes.DiscRadius * Shapes.DiscRadius - Shapes.RingInnerRadius * Shapes.RingInnerRadius),
        _ => Shoelace(Shapes.Outline(shape)!),
    };

    /// <summary>Whether image point (x, y) in pixels lies inside the object drawn in an image of side <paramref name="size"/>.</summary>
    public static bool Covers(ShapeObject o, int size, double x, double y)
    {
        double dx = x - o.CenterX * size, dy = y - o.CenterY * size, r = o.Radius * size;
        double cos = Math.Cos(o.Rotation), sin = Math.Sin(o.Rotation);
        return Contains(o.Shape, (dx * cos + dy * sin) / r, (dy * cos - dx * sin) / r);
    }

    /// <summary>Whether any and whether all of a 9×9 grid of points spanning pixel (x, y), corners included, lie inside the object.</summary>
    public static (bool Any, bool All) Probe(ShapeObject o, int size, int x, int y)
    {
        bool any = false, all = true;
        for (var j = 0; j <= 8; j++)
        for (var i = 0; i <= 8; i++)
        {
            var inside = Covers(o, size, x + i / 8.0, y + j / 8.0);
            any |= inside;
            all &= inside;
        }
        return (any, all);
    }

    /// <summary>The pixels of the object's bounding square (every outline lies in the unit disc), clipped to the image.</summary>
    public static IEnumerable<(int X, int Y)> PixelsNear(ShapeObject o, int size)
    {
        double cx = o.CenterX * size, cy = o.CenterY * size, r = o.Radius * size;
        int x0 = Math.Max(0, (int)Math.Floor(cx - r)), x1 = Math.Min(size - 1, (int)Math.Ceiling(cx + r));
        int y0 = Math.Max(0, (int)Math.Floor(cy - r)), y1 = Math.Min(size - 1, (int)Math.Ceiling(cy + r));
        for (var y = y0; y <= y1; y++)
            for (var x = x0; x <= x1; x++) yield return (x, y);
    }

    private static bool InPolygon(IReadOnlyList<(double X, double Y)> p, double u, double v)
    {
        var inside = false;
        for (int i = 0, j = p.Count - 1; i < p.Count; j = i++)
            if ((p[i].Y > v) != (p[j].Y > v) && u < p[i].X + (v - p[i].Y) * (p[j].X - p[i].X) / (p[j].Y - p[i].Y))
                inside = !inside;
        return inside;
    }

    private static double Shoelace(IReadOnlyList<(double X, double Y)> p)
    {
        double twice = 0;
        for (int i = 0, j = p.Count - 1; i < p.Count; j = i++) twice += p[j].X * p[i].Y - p[i].X * p[j].Y;
        return Math.Abs(twice) / 2;
    }
}
