using System.Buffers;
using System.Globalization;
using System.Text;

namespace ClipEngine.Clip.Tokenization;

/// <summary>
/// Python 3's <c>str.isspace</c>, <c>str.strip</c>, <c>re.sub(r'\s+', ' ', s)</c> and <c>str.lower</c>, which OpenAI's
/// cleaning uses and which differ from .NET's: Python counts U+001C–U+001F as space and not U+200B, lowercases U+0130 to
/// "i̇" and a capital sigma at the end of a word to "ς".
/// </summary>
internal static class PythonText
{
    /// <summary>Python's <c>str.isspace</c> for one UTF-16 unit (no space character lies outside the BMP).</summary>
    public static bool IsSpace(char c) => c switch
    {
        >= '\t' and <= '\r' or >= '\u001C' and <= ' ' or '\u0085' or '\u00A0' or '\u1680' => true,
        >= '\u2000' and <= '\u200A' or '\u2028' or '\u2029' or '\u202F' or '\u205F' or '\u3000' => true,
        _ => false,
    };

    /// <summary>Every run of white space replaced by one ' ', then stripped at both ends.</summary>
    public static string CollapseWhitespace(string s)
    {
        var sb = new StringBuilder(s.Length);
        var pendingSpace = false;
        var changed = false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (IsSpace(c))
            {
                // A lone ' ' between two words is the only white space that survives unchanged.
                changed |= c != ' ' || sb.Length == 0 || pendingSpace || i == s.Length - 1;
                pendingSpace = sb.Length > 0;
                continue;
            }
            if (pendingSpace) sb.Append(' ');
            pendingSpace = false;
            sb.Append(c);
        }
        return changed ? sb.ToString() : s;
    }

    /// <summary>Python's <c>str.strip()</c>.</summary>
    public static string Strip(string s)
    {
        var start = 0;
        var end = s.Length;
        while (start < end && IsSpace(s[start])) start++;
        while (end > start && IsSpace(s[end - 1])) end--;
        return start == 0 && end == s.Length ? s : s[start..end];
    }

    /// <summary>Python's <c>str.lower()</c>: the simple lowercase mapping plus the two rules Python adds to it.</summary>
    public static string Lower(string s)
    {
        if (IsLowerAscii(s)) return s;
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length;)
        {
            if (Rune.DecodeFromUtf16(s.AsSpan(i), out var rune, out var used) != OperationStatus.Done)
            {
                sb.Append(s[i++]);
                continue;
            }
            if (rune.Value == 0x130)
            {
                sb.Append("i\u0307");
            }
            else if (rune.Value == 0x3A3)
            {
                sb.Append(IsFinalSigma(s, i) ? 'ς' : 'σ');
            }
            else
            {
                sb.Append(Rune.ToLowerInvariant(rune).ToString());
            }
            i += used;
        }
        return sb.ToString();
    }

    private static bool IsLowerAscii(string s)
    {
        foreach (var c in s)
        {
            if (c >= 0x80 || char.IsAsciiLetterUpper(c)) return false;
        }
        return true;
    }

    // Unicode's Final_Sigma context: a cased letter, then case-ignorables, the sigma, and no cased letter after the
    // case-ignorables that follow it. Scans by code point, since cased letters outside the BMP count too.
    private static bool IsFinalSigma(string s, int sigma)
    {
        var before = s.AsSpan(0, sigma);
        Rune rune;
        while (Rune.DecodeLastFromUtf16(before, out rune, out var used) == OperationStatus.Done && IsCaseIgnorable(rune))
        {
            before = before[..^used];
        }
        if (before.IsEmpty || !IsCased(rune)) return false;
        var after = s.AsSpan(sigma + 1);
        while (Rune.DecodeFromUtf16(after, out rune, out var used) == OperationStatus.Done && IsCaseIgnorable(rune))
        {
            after = after[used..];
        }
        return after.IsEmpty || !IsCased(rune);
    }

    // The Cased and Case_Ignorable properties from what .NET exposes: the letter categories plus the Other_Uppercase
    // and Other_Lowercase characters that are not case-ignorable anyway (ª º, Roman numerals, circled and squared
    // letters). Close enough for the rare strings where they decide between σ and ς.
    private static bool IsCased(Rune r) =>
        Rune.GetUnicodeCategory(r) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter
        || r.Value is 0xAA or 0xBA or >= 0x2160 and <= 0x217F or >= 0x24B6 and <= 0x24E9 or >= 0x1F130 and <= 0x1F149
            or >= 0x1F150 and <= 0x1F169 or >= 0x1F170 and <= 0x1F189;

    private static bool IsCaseIgnorable(Rune r) =>
        r.Value is '\'' or '.' or ':' or '^' or '`' or 0xB7 or 0x2018 or 0x2019 or 0x2024 or 0x2027
        || Rune.GetUnicodeCategory(r) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;
}
