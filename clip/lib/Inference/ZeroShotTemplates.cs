using System.Text;

namespace ClipEngine.Clip;

/// <summary>
/// Prompt templates for zero-shot classification: a class name replaces each <c>{}</c>. Template files hold one
/// template per line; blank lines and lines starting with <c>#</c> are skipped.
/// </summary>
public static class ZeroShotTemplates
{
    /// <summary>Largest template file read, in bytes.</summary>
    public const int MaxFileBytes = 1 << 20;

    public const string Placeholder = "{}";

    /// <summary>OpenAI's single prompt, "a photo of a {}." (the CLIP paper's baseline).</summary>
    public static IReadOnlyList<string> Default { get; } = ["a photo of a {}."];

    /// <summary>The 7 of OpenAI's 80 ImageNet templates that their prompt-engineering notebook selected as the best small ensemble.</summary>
    public static IReadOnlyList<string> ImageNetSelected { get; } =
    [
        "itap of a {}.",
        "a bad photo of the {}.",
        "a origami {}.",
        "a photo of the large {}.",
        "a {} in a video game.",
        "art of the {}.",
        "a photo of the small {}.",
    ];

    /// <summary>The prompt for one class: <paramref name="template"/> with every <c>{}</c> replaced by <paramref name="className"/>.</summary>
    public static string Format(string template, string className) => template.Replace(Placeholder, className, StringComparison.Ordinal);

    /// <summary>Templates from a file, one per line; every template must hold <c>{}</c>.</summary>
    public static IReadOnlyList<string> Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var length = new FileInfo(path).Length;
        if (length > MaxFileBytes) throw new FormatException($"{path}: a template file of {length} bytes is larger than the limit of {MaxFileBytes}");
        var templates = new List<string>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            lineNumber++;
            var template = line.Trim();
            if (template.Length == 0 || template.StartsWith('#')) continue;
            if (!template.Contains(Placeholder, StringComparison.Ordinal))
                throw new FormatException($"{path}:{lineNumber}: template \"{template}\" has no {Placeholder} for the class name");
            templates.Add(template);
        }
        return templates.Count > 0 ? templates : throw new FormatException($"{path}: no templates (one per line, each with {Placeholder})");
    }
}
