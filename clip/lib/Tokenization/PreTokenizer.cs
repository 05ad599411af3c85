using System.Globalization;
using System.Text;

namespace ClipEngine.Clip.Tokenization;

/// <summary>
/// Splits cleaned text into words as OpenAI's pattern does (Python <c>regex</c>, IGNORECASE):
/// <c>&lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>.
/// A scanner over code points rather than a .NET <c>Regex</c>, because .NET's \p{L} and \p{N} test UTF-16 units and
/// would not see letters and digits outside the BMP (CJK extension B, mathematical letters) that Python's pattern sees.
/// </summary>
internal static class PreTokenizer
{
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";

    private static readonly string[] Contractions = ["s", "t", "re", "ve", "m", "ll", "d"];

    private enum CharClass { Space, Letter, Number, Other }

    /// <summary>The (start, length) of each word in <paramref name="text"/>, in order.</summary>
    public static void Split(string text, List<(int Start, int Length)> words)
    {
        var i = 0;
        while (i < text.Length)
        {
            var length = MatchAt(text, i);
            if (length == 0)
            {
                i++;
                continue;
            }
            words.Add((i, length));
            i += length;
        }
    }

    // The length of the pattern's match at i (its alternatives tried in order), or 0 at white space.
    private static int MatchAt(string text, int i)
    {
        if (text[i] == '<')
        {
            if (MatchesIgnoreCase(text, i, StartOfText)) return StartOfText.Length;
            if (MatchesIgnoreCase(text, i, EndOfText)) return EndOfText.Length;
        }
        if (text[i] == '\'')
        {
            foreach (var suffix in Contractions)
            {
                if (MatchesIgnoreCase(text, i + 1, suffix)) return 1 + suffix.Length;
            }
        }
        var (cls, width) = Classify(text, i);
        switch (cls)
        {
            case CharClass.Space:
                return 0;
            case CharClass.Number:
                return width;
        }
        var end = i + width;
        while (end < text.Length)
        {
            var (next, nextWidth) = Classify(text, end);
            if (next != cls) break;
            end += nextWidth;
        }
        return end - i;
    }

    // Text already lowercased can still differ from the ASCII literal by case folding only through U+017F (ſ ~ s).
    private static bool MatchesIgnoreCase(string text, int i, string literal)
    {
        if (i + literal.Length > text.Length) return false;
        for (var k = 0; k < literal.Length; k++)
        {
            var c = text[i + k];
            if (c != literal[k] && char.ToLowerInvariant(c) != literal[k] && !(c == 'ſ' && literal[k] == 's')) return false;
        }
        return true;
    }

    private static (CharClass, int) Classify(string text, int i)
    {
        var c = text[i];
        if (PythonText.IsSpace(c)) return (CharClass.Space, 1);
        UnicodeCategory category;
        var width = 1;
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            category = Rune.GetUnicodeCategory(new Rune(c, text[i + 1]));
            width = 2;
        }
        else
        {
            category = CharUnicodeInfo.GetUnicodeCategory(c);
        }
        var cls = category switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharClass.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CharClass.Number,
            _ => CharClass.Other,
        };
        return (cls, width);
    }
}
