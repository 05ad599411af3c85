namespace ClipEngine.Clip.Tokenization;

/// <summary>
/// OpenAI's text cleaning before BPE: <c>whitespace_clean(basic_clean(text)).lower()</c>, that is ftfy's
/// <c>fix_text</c> (the subset in <see cref="TextFixer"/>), <c>html.unescape</c> twice, white space runs collapsed to
/// one space, stripped, lowercased — each step with Python's semantics.
/// </summary>
public static class TextCleaner
{
    /// <summary>The text as OpenAI's tokenizer sees it before splitting it into words.</summary>
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var fixedText = TextFixer.FixText(text);
        var unescaped = HtmlEntities.PythonUnescape(HtmlEntities.PythonUnescape(fixedText));
        return PythonText.Lower(PythonText.CollapseWhitespace(unescaped));
    }
}
