namespace ClipEngine.Clip.Data;

public enum ShapeSize { Small, Large }

/// <summary>Where an object sits: in the named half of the image (left, right, top, bottom) or in the middle.</summary>
public enum Placement { Left, Right, Top, Bottom, Center }

public enum Backdrop { Dark, Light }

/// <summary>
/// One drawn object. Centre and radius are fractions of the image side, so that a scene is the same at every
/// resolution; the outline (<see cref="Shapes"/>) is scaled by the radius and turned by <see cref="Rotation"/>
/// (radians, clockwise on screen); <see cref="Paint"/> is the colour's reference value after jitter.
/// </summary>
public sealed record ShapeObject(
    ShapeKind Shape, ShapeColor Color, ShapeSize Size, Placement Placement, Rgb Paint,
    float CenterX, float CenterY, float Radius, float Rotation);

/// <summary>A flat tinted background with uniform luminance noise of amplitude <see cref="Noise"/> over the whole image.</summary>
public sealed record ShapesBackground(Backdrop Tone, Rgb Color, float Noise);

/// <summary>
/// The content of one sample without its pixels. With two objects, the first is the one at the top (or on the
/// left) and the second the one at the bottom (or on the right); they never overlap and differ in colour.
/// </summary>
public sealed record ShapesScene(IReadOnlyList<ShapeObject> Objects, ShapesBackground Background, string Caption);

/// <summary>A rendered sample: the image as float CHW [3, R, R] and the scene it shows.</summary>
public sealed record ShapesSample(float[] Image, ShapesScene Scene)
{
    public string Caption => Scene.Caption;

    public IReadOnlyList<ShapeObject> Objects => Scene.Objects;
}
