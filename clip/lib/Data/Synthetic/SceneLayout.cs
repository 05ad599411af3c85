namespace ClipEngine.Clip.Data;

/// <summary>
/// Draws the random content of a scene: background, objects' sizes and places (as fractions of the image side).
/// An object placed left, right, top or bottom lies wholly in that half of the image, a centred one near the middle,
/// so a caption's words about place are true of the pixels; two objects sit in opposite halves and never overlap.
/// </summary>
internal static class SceneLayout
{
    public static readonly Placement[] SinglePlacements = Enum.GetValues<Placement>();

    private const float Margin = 0.02f;
    private static readonly float[] NoiseLevels = [0f, 0.03f, 0.06f];

    public static ShapesBackground Background(ref SampleRandom random)
    {
        var tone = random.Chance(0.5f) ? Backdrop.Dark : Backdrop.Light;
        var level = tone == Backdrop.Dark ? random.Range(0.02f, 0.25f) : random.Range(0.5f, 0.65f);
        var color = new Rgb(Tint(level, ref random), Tint(level, ref random), Tint(level, ref random));
        return new ShapesBackground(tone, color, NoiseLevels[random.Next(NoiseLevels.Length)]);
    }

    public static ShapeObject Object(ref SampleRandom random, (ShapeColor Color, ShapeKind Shape) pair, Placement placement, float maxRotation, bool paired)
    {
        var size = random.Chance(0.5f) ? ShapeSize.Large : ShapeSize.Small;
        var radius = size == ShapeSize.Large ? random.Range(0.17f, 0.23f) : random.Range(0.08f, 0.12f);
        var across = paired ? 0.2f : 0.15f;
        float x, y;
        if (placement is Placement.Left or Placement.Right)
        {
            x = Along(ref random, radius, placement == Placement.Right);
            y = Across(ref random, radius, across);
        }
        else if (placement is Placement.Top or Placement.Bottom)
        {
            x = Across(ref random, radius, across);
            y = Along(ref random, radius, placement == Placement.Bottom);
        }
        else
        {
            x = random.Range(0.44f, 0.56f);
            y = random.Range(0.44f, 0.56f);
        }
        var rotation = random.Range(-maxRotation, maxRotation) * (MathF.PI / 180f);
        var reference = Colors.Reference(pair.Color);
        var paint = new Rgb(Jitter(reference.R, ref random), Jitter(reference.G, ref random), Jitter(reference.B, ref random));
        return new ShapeObject(pair.Shape, pair.Color, size, placement, paint, x, y, radius, rotation);
    }

    /// <summary>A centre coordinate that keeps the object inside the first (or second) half along that axis.</summary>
    private static float Along(ref SampleRandom random, float radius, bool secondHalf)
    {
        var low = radius + Margin;
        var high = MathF.Max(low, 0.5f - radius - Margin / 2);
        var t = random.Range(low, high);
        return secondHalf ? 1 - t : t;
    }

    /// <summary>A centre coordinate within <paramref name="spread"/> of the middle, keeping the object inside the image.</summary>
    private static float Across(ref SampleRandom random, float radius, float spread) =>
        random.Range(MathF.Max(radius + Margin, 0.5f - spread), MathF.Min(1 - radius - Margin, 0.5f + spread));

    private static float Tint(float level, ref SampleRandom random) => level + random.Range(-0.04f, 0.04f);

    private static float Jitter(float value, ref SampleRandom random) => Math.Clamp(value + random.Range(-Colors.Jitter, Colors.Jitter), 0f, 1f);
}
