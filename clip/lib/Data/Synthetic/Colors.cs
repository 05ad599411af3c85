namespace ClipEngine.Clip.Data;

/// <summary>The colours the synthetic dataset paints objects in; the numeric value is the colour's index in class tables.</summary>
public enum ShapeColor { Red, Green, Blue, Yellow, Purple, Orange, White, Cyan }

/// <summary>A linear RGB triple in [0, 1].</summary>
public readonly record struct Rgb(float R, float G, float B)
{
    public float this[int channel] => channel switch
    {
        0 => R,
        1 => G,
        2 => B,
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "an RGB channel is 0, 1 or 2"),
    };

    public double DistanceSquared(Rgb other) =>
        (double)(R - other.R) * (R - other.R) + (double)(G - other.G) * (G - other.G) + (double)(B - other.B) * (B - other.B);
}

/// <summary>
/// Names and reference values of the <see cref="ShapeColor"/>s. An object's paint is its reference value jittered by
/// at most <see cref="Jitter"/> per channel; the values are far enough apart (and saturated or bright enough to stand
/// out from the dark and light backgrounds) that the nearest reference value always names the paint.
/// </summary>
public static class Colors
{
    public static IReadOnlyList<ShapeColor> All { get; } = Enum.GetValues<ShapeColor>();

    public const float Jitter = 0.06f;

    public static string Name(ShapeColor color) => color.ToString().ToLowerInvariant();

    public static Rgb Reference(ShapeColor color) => References[(int)color];

    private static readonly Rgb[] References =
    [
        new(0.90f, 0.10f, 0.10f),
        new(0.10f, 0.75f, 0.15f),
        new(0.15f, 0.25f, 0.95f),
        new(0.95f, 0.90f, 0.10f),
        new(0.60f, 0.15f, 0.80f),
        new(1.00f, 0.55f, 0.05f),
        new(0.97f, 0.97f, 0.97f),
        new(0.10f, 0.85f, 0.90f),
    ];
}
