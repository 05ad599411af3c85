using System.Globalization;
using System.Text;

namespace ClipEngine.Clip.Tokenization;

/// <summary>
/// HTML character references decoded exactly as Python does it: <see cref="PythonUnescape"/> is <c>html.unescape</c>
/// (the full HTML5 table, legacy names without ';', longest-prefix matching, numeric references with the HTML5
/// replacements), and <see cref="FtfyUnescape"/> is ftfy 6's stricter <c>unescape_html</c> (only references that end
/// in ';', plus all-caps names such as <c>&amp;EACUTE;</c>). <c>System.Net.WebUtility.HtmlDecode</c> knows only the
/// HTML 4 names and needs the ';', so it would miss cases such as <c>&amp;notanentity;</c> → <c>¬anentity;</c>.
/// </summary>
internal static partial class HtmlEntities
{
    private const int MaxNameLength = 32;
    private const int MaxFtfyNameLength = 24;

    private static readonly Dictionary<string, string> Html5 = Parse(Html5Table);
    private static readonly Dictionary<string, string> Ftfy = BuildFtfyTable();
    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Html5Lookup =
        Html5.GetAlternateLookup<ReadOnlySpan<char>>();

    private delegate void AppendReplacement(ReadOnlySpan<char> reference, StringBuilder sb);

    /// <summary>Python's <c>html.unescape</c>.</summary>
    public static string PythonUnescape(string s) =>
        ReplaceReferences(s, MatchReference, static (reference, sb) => ReplaceReference(reference[1..], sb));

    /// <summary>ftfy's <c>unescape_html</c>: <c>&amp;#?[0-9A-Za-z]{1,24};</c> references that decode completely.</summary>
    public static string FtfyUnescape(string s) => ReplaceReferences(s, MatchFtfyReference, AppendFtfyReplacement);

    // s with each reference that match finds at an '&' (its end, or -1 when none starts there) replaced by what
    // replace appends for it (given the reference with its '&'); the rest is copied as it is.
    private static string ReplaceReferences(string s, Func<string, int, int> match, AppendReplacement replace)
    {
        var amp = s.IndexOf('&');
        if (amp < 0) return s;
        var sb = new StringBuilder(s.Length);
        sb.Append(s, 0, amp);
        var i = amp;
        while (i < s.Length)
        {
            var end = s[i] == '&' ? match(s, i) : -1;
            if (end < 0)
            {
                sb.Append(s[i++]);
                continue;
            }
            replace(s.AsSpan(i, end - i), sb);
            i = end;
        }
        return sb.ToString();
    }

    // ftfy's replacement: the table's value, a numeric reference only when it decodes completely, else the reference.
    private static void AppendFtfyReplacement(ReadOnlySpan<char> span, StringBuilder sb)
    {
        var reference = span.ToString();
        if (Ftfy.TryGetValue(reference, out var value))
        {
            sb.Append(value);
        }
        else if (reference[1] == '#')
        {
            var decoded = PythonUnescape(reference);
            sb.Append(decoded.Contains(';') ? reference : decoded);
        }
        else
        {
            sb.Append(reference);
        }
    }

    // The end of the reference Python's pattern &(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?) matches at
    // position i, or -1. The name length counts code points, as Python's does.
    private static int MatchReference(string s, int i)
    {
        var j = i + 1;
        if (j < s.Length && s[j] == '#')
        {
            var hex = j + 1 < s.Length && s[j + 1] is 'x' or 'X';
            var k = hex ? j + 2 : j + 1;
            var start = k;
            while (k < s.Length && (hex ? char.IsAsciiHexDigit(s[k]) : char.IsAsciiDigit(s[k]))) k++;
            if (k == start) return -1;
            return k < s.Length && s[k] == ';' ? k + 1 : k;
        }
        var count = 0;
        while (j < s.Length && count < MaxNameLength && s[j] is not ('\t' or '\n' or '\f' or ' ' or '<' or '&' or '#' or ';'))
        {
            j += char.IsHighSurrogate(s[j]) && j + 1 < s.Length && char.IsLowSurrogate(s[j + 1]) ? 2 : 1;
            count++;
        }
        if (count == 0) return -1;
        return j < s.Length && s[j] == ';' ? j + 1 : j;
    }

    private static int MatchFtfyReference(string s, int i)
    {
        var j = i + 1;
        if (j < s.Length && s[j] == '#') j++;
        var start = j;
        while (j < s.Length && j - start < MaxFtfyNameLength && char.IsAsciiLetterOrDigit(s[j])) j++;
        return j > start && j < s.Length && s[j] == ';' ? j + 1 : -1;
    }

    // Python's html._replace_charref, given the reference without its '&'.
    private static void ReplaceReference(ReadOnlySpan<char> r, StringBuilder sb)
    {
        if (r[0] == '#')
        {
            var hex = r[1] is 'x' or 'X';
            var digits = r[(hex ? 2 : 1)..].TrimEnd(';');
            sb.Append(NumericReference(digits, hex ? 16 : 10));
            return;
        }
        if (Html5Lookup.TryGetValue(r, out var whole))
        {
            sb.Append(whole);
            return;
        }
        for (var x = r.Length - 1; x > 1; x--)
        {
            if (Html5Lookup.TryGetValue(r[..x], out var prefix))
            {
                sb.Append(prefix).Append(r[x..]);
                return;
            }
        }
        sb.Append('&').Append(r);
    }

    private static string NumericReference(ReadOnlySpan<char> digits, int radix)
    {
        long code = 0;
        foreach (var d in digits)
        {
            code = code * radix + (char.IsAsciiDigit(d) ? d - '0' : (d | 0x20) - 'a' + 10);
            if (code > 0x10FFFF) return "\uFFFD";
        }
        return CodePointReference(code);
    }

    private static string CodePointReference(long code) => code switch
    {
        0x00 => "\uFFFD",
        0x0D => "\r",
        >= 0x80 and <= 0x9F => WindowsCodePage.Decode((byte)code).ToString(),
        >= 0xD800 and <= 0xDFFF => "\uFFFD",
        >= 0x01 and <= 0x08 or 0x0B or >= 0x0E and <= 0x1F or 0x7F or >= 0xFDD0 and <= 0xFDEF => "",
        _ when (code & 0xFFFE) == 0xFFFE => "",
        _ => char.ConvertFromUtf32((int)code),
    };

    private static Dictionary<string, string> Parse(string table)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in table.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = line.IndexOf('\t');
            var sb = new StringBuilder(2);
            foreach (var hex in line[(tab + 1)..].Split(' '))
            {
                sb.Append(char.ConvertFromUtf32(int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }
            map[line[..tab]] = sb.ToString();
        }
        return map;
    }

    private static Dictionary<string, string> BuildFtfyTable()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in Html5)
        {
            if (name.EndsWith(';')) map["&" + name] = value;
        }
        foreach (var (name, value) in Parse(FtfyUpperTable))
        {
            map["&" + name] = value;
        }
        return map;
    }
}
