using ClipEngine.Clip.Data;

namespace ClipEngine.Clip.Tests.Data;

public class RasterizerTests
{
    private const int Size = 64;

    private static float[] Draw(ShapeObject o, float background = 0, int supersampling = 4)
    {
        var image = new float[3 * Size * Size];
        Rasterizer.Fill(image, Size, new Rgb(background, background, background));
        Rasterizer.Draw(image, Size, o, supersampling);
        return image;
    }

    private static ShapeObject White(ShapeKind shape, float cx, float cy, float radius, float rotation) =>
        new(shape, ShapeColor.White, ShapeSize.Large, Placement.Center, new Rgb(1, 1, 1), cx, cy, radius, rotation);

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void SquareOfSideSCoversSSquaredPixels(int supersampling)
    {
        // Half side 0.7 of the radius: side s = 1.4 · 0.3 · 64 = 26.88 px, placed off the pixel grid.
        var image = Draw(White(ShapeKind.Square, 0.4813f, 0.5271f, 0.3f, 0), supersampling: supersampling);
        var side = 2 * Shapes.Outline(ShapeKind.Square)![2].X * 0.3f * Size;
        var covered = image.Take(Size * Size).Sum(v => (double)v);
        // An n×n grid places each axis-aligned edge within 1/(2n) px, so each side is measured within 1/n px.
        var bound = 2 * side / supersampling + 1.0 / (supersampling * supersampling);
        Assert.InRange(covered, side * side - bound, side * side + bound);
    }

    [Fact]
    public void CoverageOfEachPixelOfAnAxisAlignedSquareIsItsOverlapWithinTheSubsampleStep()
    {
        var o = White(ShapeKind.Square, 0.4813f, 0.5271f, 0.3f, 0);
        var half = 0.7 * o.Radius * Size;
        double x0 = o.CenterX * Size - half, x1 = o.CenterX * Size + half, y0 = o.CenterY * Size - half, y1 = o.CenterY * Size + half;
        var image = Draw(o);
        var edges = 0;
        for (var y = 0; y < Size; y++)
        for (var x = 0; x < Size; x++)
        {
            var exact = Overlap(x, x0, x1) * Overlap(y, y0, y1);
            var actual = image[y * Size + x];
            if (exact is 0 or 1) Assert.Equal(exact, actual);
            else
            {
                edges++;
                // A 4×4 grid misplaces an edge by at most 1/8 pixel along each axis.
                Assert.InRange(actual - exact, -0.25, 0.25);
                Assert.InRange(actual, 0f, 1f);
            }
        }
        Assert.True(edges >= 4 * 26, $"only {edges} anti-aliased pixels on the outline");
    }

    [Theory]
    [InlineData(ShapeKind.Circle)]
    [InlineData(ShapeKind.Square)]
    [InlineData(ShapeKind.Triangle)]
    [InlineData(ShapeKind.Star)]
    [InlineData(ShapeKind.Cross)]
    [InlineData(ShapeKind.Ring)]
    [InlineData(ShapeKind.Diamond)]
    [InlineData(ShapeKind.Hexagon)]
    public void EveryShapeCoversItsAreaAndMatchesItsOutline(ShapeKind shape)
    {
        var o = White(shape, 0.503f, 0.488f, 0.35f, 0.13f);
        var image = Draw(o);
        var radius = o.Radius * Size;
        var expected = ReferenceShapes.Area(shape) * radius * radius;
        var covered = image.Take(Size * Size).Sum(v => (double)v);
        Assert.InRange(covered, expected * 0.99, expected * 1.01);
        for (var y = 0; y < Size; y++)
        for (var x = 0; x < Size; x++)
        {
            if (ReferenceShapes.Probe(o, Size, x, y).All) Assert.Equal(1f, image[y * Size + x]);
            else if (!ReferenceShapes.Covers(o, Size, x + 0.5, y + 0.5) && Math.Abs(image[y * Size + x]) > 0)
                Assert.True(NearOutline(o, x, y), $"pixel ({x}, {y}) outside the {shape} is painted {image[y * Size + x]}");
        }
    }

    [Fact]
    public void EdgesBlendBetweenBackgroundAndPaintInEveryChannel()
    {
        var o = new ShapeObject(ShapeKind.Star, ShapeColor.Orange, ShapeSize.Large, Placement.Center, new Rgb(1f, 0.55f, 0.05f), 0.5f, 0.5f, 0.3f, 0.05f);
        var image = Draw(o, background: 0.3f);
        var blended = 0;
        for (var p = 0; p < Size * Size; p++)
        {
            var t = (image[p] - 0.3) / (1 - 0.3);
            // Every channel moves the same fraction t of the way from the background to the paint.
            Assert.Equal(0.3 + t * (0.55 - 0.3), image[Size * Size + p], 1e-5);
            Assert.Equal(0.3 + t * (0.05 - 0.3), image[2 * Size * Size + p], 1e-5);
            if (t is > 0.01 and < 0.99) blended++;
        }
        Assert.True(blended > 50, $"only {blended} blended pixels");
    }

    [Fact]
    public void MoreSubsamplesChangeOnlyTheOutline()
    {
        var o = White(ShapeKind.Hexagon, 0.52f, 0.47f, 0.3f, 0.1f);
        var coarse = Draw(o, supersampling: 2);
        var fine = Draw(o, supersampling: 8);
        for (var p = 0; p < Size * Size; p++)
            if (coarse[p] != fine[p]) Assert.True(NearOutline(o, p % Size, p / Size), $"pixel {p} differs away from the outline");
        Assert.InRange(coarse.Sum() / fine.Sum(), 0.98, 1.02);
    }

    private static bool NearOutline(ShapeObject o, int x, int y) => ReferenceShapes.Probe(o, Size, x, y) is (true, false);

    private static double Overlap(int pixel, double low, double high) => Math.Clamp(Math.Min(pixel + 1, high) - Math.Max(pixel, low), 0, 1);
}
