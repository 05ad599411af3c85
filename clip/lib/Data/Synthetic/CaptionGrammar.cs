namespace ClipEngine.Clip.Data;

/// <summary>
/// The captions a scene can have: every paraphrase the grammar gives it, each true of the scene. A sample's caption
/// is one of them, picked by the sample's random draws, with a final full stop half of the time.
/// One object: "a large red circle", "red circle", "a photo of a blue star", "a picture of a small cyan ring",
/// "a yellow ring on the left", "there is a white cross at the top", "a triangle that is green", ….
/// Two objects: "a small blue triangle above a green square", "a green square below a small blue triangle",
/// "a red star to the left of a white ring", "a red star on the left and a white ring on the right",
/// "a photo of a … above a …", "a … and a …", "red star to the left of white ring", ….
/// </summary>
internal static class CaptionGrammar
{
    public static string Caption(IReadOnlyList<ShapeObject> objects, ref SampleRandom random)
    {
        var paraphrases = Paraphrases(objects);
        var caption = paraphrases[random.Next(paraphrases.Count)];
        return random.Chance(0.5f) ? caption + "." : caption;
    }

    public static IReadOnlyList<string> Paraphrases(IReadOnlyList<ShapeObject> objects) => objects.Count switch
    {
        1 => Single(objects[0]),
        2 => Pair(objects[0], objects[1]),
        _ => throw new ArgumentException($"a synthetic scene has one or two objects, not {objects.Count}", nameof(objects)),
    };

    /// <summary>"a" or "an", as the phrase's first sound needs (every word the grammar uses is spelt as it sounds).</summary>
    public static string WithArticle(string phrase) => ("aeiou".Contains(phrase[0]) ? "an " : "a ") + phrase;

    public static string SizeName(ShapeSize size) => size.ToString().ToLowerInvariant();

    private static string Phrase(ShapeObject o, bool withSize) =>
        (withSize ? SizeName(o.Size) + " " : "") + Colors.Name(o.Color) + " " + Shapes.Name(o.Shape);

    private static string Where(Placement placement) => placement switch
    {
        Placement.Left => "on the left",
        Placement.Right => "on the right",
        Placement.Top => "at the top",
        Placement.Bottom => "at the bottom",
        _ => "in the center",
    };

    private static List<string> Single(ShapeObject o)
    {
        var where = Where(o.Placement);
        var list = new List<string>();
        foreach (var withSize in (ReadOnlySpan<bool>)[true, false])
        {
            var a = WithArticle(Phrase(o, withSize));
            list.AddRange([a, $"a photo of {a}", $"a picture of {a}", $"{a} {where}", $"there is {a} {where}", $"a photo of {a} {where}"]);
        }
        list.Add(Phrase(o, withSize: false));
        list.Add($"{WithArticle(Shapes.Name(o.Shape))} that is {Colors.Name(o.Color)}");
        list.Add($"{WithArticle(SizeName(o.Size) + " " + Shapes.Name(o.Shape))} that is {Colors.Name(o.Color)}");
        return list;
    }

    private static List<string> Pair(ShapeObject first, ShapeObject second)
    {
        var vertical = first.Placement == Placement.Top;
        var (relation, inverse) = vertical ? ("above", "below") : ("to the left of", "to the right of");
        var list = new List<string>();
        foreach (var withSize in (ReadOnlySpan<bool>)[true, false])
        {
            var a = WithArticle(Phrase(first, withSize));
            var b = WithArticle(Phrase(second, withSize));
            list.AddRange([
                $"{a} {relation} {b}", $"{b} {inverse} {a}", $"a photo of {a} {relation} {b}",
                $"{a} {Where(first.Placement)} and {b} {Where(second.Placement)}", $"{a} and {b}",
            ]);
        }
        list.Add($"{Phrase(first, withSize: false)} {relation} {Phrase(second, withSize: false)}");
        return list;
    }
}
