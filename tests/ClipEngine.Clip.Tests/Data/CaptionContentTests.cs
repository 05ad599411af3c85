using ClipEngine.Clip.Data;

namespace ClipEngine.Clip.Tests.Data;

/// <summary>
/// Reads each caption's colour, shape, size and place words back and checks them against the pixels: the colour
/// classes pixels by their nearest reference colour (or the background, estimated from the image border), and the
/// named colour's pixels must sit in the named half, fill the named shape better than any other shape would, and
/// have the area the named size allows.
/// </summary>
public class CaptionContentTests
{
    private const int Size = 96;

    private static readonly string[] ColorNames = Colors.All.Select(Colors.Name).ToArray();
    private static readonly string[] ShapeNames = Shapes.All.Select(Shapes.Name).ToArray();

    [Fact]
    public void CaptionWordsAreTrueOfThePixels()
    {
        var dataset = new ShapesDataset(new ShapesOptions { ImageSize = Size, Seed = 2024, Normalize = false });
        for (var index = 0; index < 300; index++)
        {
            var sample = dataset.Get(index);
            var words = sample.Caption.TrimEnd('.').Split(' ');
            var colors = words.Where(ColorNames.Contains).Select(w => (ShapeColor)Array.IndexOf(ColorNames, w)).ToArray();
            var shapes = words.Where(ShapeNames.Contains).Select(w => (ShapeKind)Array.IndexOf(ShapeNames, w)).ToArray();
            var sizes = words.Where(w => w is "small" or "large").Select(w => w == "large" ? ShapeSize.Large : ShapeSize.Small).ToArray();
            var context = $"sample {index}, \"{sample.Caption}\"";
            Assert.True(colors.Length == sample.Objects.Count && shapes.Length == colors.Length, $"{context}: {colors.Length} colours, {shapes.Length} shapes");
            Assert.True(sizes.Length == 0 || sizes.Length == colors.Length, context);

            var classes = Classify(sample.Image);
            var places = Places(sample.Caption, colors.Length);
            var centroids = new (double X, double Y)[colors.Length];
            for (var k = 0; k < colors.Length; k++)
            {
                var mask = classes.Select(c => c == (int)colors[k]).ToArray();
                var area = mask.Count(m => m);
                Assert.True(area >= 20, $"{context}: only {area} pixels are {ColorNames[(int)colors[k]]}");
                centroids[k] = Centroid(mask);
                if (places[k] is { } place) AssertInHalf(place, centroids[k], context);

                // The object's outline and paint come from its attributes; the caption's words must match the pixels there.
                var o = sample.Objects.Single(x => x.Color == colors[k]);
                Assert.Equal(colors[k], Nearest(MeanInside(sample.Image, o)));
                var best = Shapes.All.MaxBy(s => IntersectionOverUnion(mask, o with { Shape = s }));
                Assert.True(best == shapes[k], $"{context}: the {ColorNames[(int)colors[k]]} pixels look most like a {Shapes.Name(best)}");
                Assert.True(IntersectionOverUnion(mask, o with { Shape = shapes[k] }) > 0.75, context);
                if (sizes.Length > 0)
                {
                    // Radii are in [0.08, 0.12] (small) and [0.17, 0.23] (large) of the side; split at 0.145.
                    var split = ReferenceShapes.Area(shapes[k]) * Math.Pow(0.145 * Size, 2);
                    Assert.True(sizes[k] == ShapeSize.Large ? area > split : area < split, $"{context}: {area} pixels vs {split:F0}");
                }
            }
            if (colors.Length == 2 && places[0] is { } first)
            {
                var vertical = first is Placement.Top or Placement.Bottom;
                var (a, b) = first is Placement.Top or Placement.Left ? (centroids[0], centroids[1]) : (centroids[1], centroids[0]);
                Assert.True(vertical ? a.Y < b.Y : a.X < b.X, $"{context}: centroids {centroids[0]} and {centroids[1]}");
            }
        }
    }

    /// <summary>The place of each mentioned object the caption states, in order of mention.</summary>
    private static Placement?[] Places(string caption, int objects)
    {
        bool Has(string phrase) => caption.Contains(phrase, StringComparison.Ordinal);
        if (objects == 2)
        {
            if (Has(" above ") || Has(" at the top and ")) return [Placement.Top, Placement.Bottom];
            if (Has(" below ")) return [Placement.Bottom, Placement.Top];
            if (Has(" to the left of ") || Has(" on the left and ")) return [Placement.Left, Placement.Right];
            if (Has(" to the right of ")) return [Placement.Right, Placement.Left];
            return [null, null];
        }
        if (Has("on the left")) return [Placement.Left];
        if (Has("on the right")) return [Placement.Right];
        if (Has("at the top")) return [Placement.Top];
        if (Has("at the bottom")) return [Placement.Bottom];
        if (Has("in the center")) return [Placement.Center];
        return [null];
    }

    private static void AssertInHalf(Placement place, (double X, double Y) c, string context)
    {
        const double middle = Size / 2.0;
        var ok = place switch
        {
            Placement.Left => c.X < middle,
            Placement.Right => c.X > middle,
            Placement.Top => c.Y < middle,
            Placement.Bottom => c.Y > middle,
            _ => Math.Abs(c.X - middle) < Size / 6.0 && Math.Abs(c.Y - middle) < Size / 6.0,
        };
        Assert.True(ok, $"{context}: said to be {place}, but its pixels' centroid is ({c.X:F1}, {c.Y:F1})");
    }

    /// <summary>Each pixel's nearest reference colour (its index), or −1 where the border's median colour is nearer.</summary>
    private static int[] Classify(float[] image)
    {
        const int plane = Size * Size;
        var border = Enumerable.Range(0, plane).Where(p => p % Size is 0 or Size - 1 || p / Size is 0 or Size - 1).ToArray();
        var background = new Rgb(Median(border, image, 0), Median(border, image, plane), Median(border, image, 2 * plane));
        var classes = new int[plane];
        for (var p = 0; p < plane; p++)
        {
            var pixel = new Rgb(image[p], image[plane + p], image[2 * plane + p]);
            var nearest = Nearest(pixel);
            classes[p] = pixel.DistanceSquared(background) < pixel.DistanceSquared(Colors.Reference(nearest)) ? -1 : (int)nearest;
        }
        return classes;
    }

    private static ShapeColor Nearest(Rgb pixel) => Colors.All.MinBy(c => pixel.DistanceSquared(Colors.Reference(c)));

    private static float Median(int[] pixels, float[] image, int offset) => pixels.Select(p => image[offset + p]).Order().ElementAt(pixels.Length / 2);

    private static Rgb MeanInside(float[] image, ShapeObject o)
    {
        const int plane = Size * Size;
        var inside = ReferenceShapes.PixelsNear(o, Size).Where(p => ReferenceShapes.Probe(o, Size, p.X, p.Y).All).Select(p => p.Y * Size + p.X).ToArray();
        Assert.True(inside.Length > 0, $"no pixel lies wholly inside {o}");
        return new Rgb(inside.Average(p => image[p]), inside.Average(p => image[plane + p]), inside.Average(p => image[2 * plane + p]));
    }

    /// <summary>|mask ∩ shape| / |mask ∪ shape|, the shape taken as the pixels whose centres it covers.</summary>
    private static double IntersectionOverUnion(bool[] mask, ShapeObject o)
    {
        int both = 0, inside = 0;
        foreach (var (x, y) in ReferenceShapes.PixelsNear(o, Size))
        {
            if (!ReferenceShapes.Covers(o, Size, x + 0.5, y + 0.5)) continue;
            inside++;
            if (mask[y * Size + x]) both++;
        }
        return (double)both / (inside + mask.Count(m => m) - both);
    }

    private static (double X, double Y) Centroid(bool[] mask)
    {
        double x = 0, y = 0;
        var n = 0;
        for (var p = 0; p < mask.Length; p++)
            if (mask[p])
            {
                x += p % Size + 0.5;
                y += p / Size + 0.5;
                n++;
            }
        return (x / n, y / n);
    }
}
