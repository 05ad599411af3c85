using System.Text;

namespace ClipEngine.Clip.Tokenization;

/// <summary>
/// The part of ftfy 6.3's <c>fix_text</c> (default settings) that changes CLIP tokens. Implemented, in ftfy's order
/// and repeated per line until nothing changes:
/// <list type="bullet">
/// <item>unescape_html (skipped from the first line holding '&lt;' on, as ftfy's "auto" mode does);</item>
/// <item>fix_encoding, for the common case only: the whole line is UTF-8 that was decoded as Latin-1 or Windows-1252
/// ("Ã©tÃ©" → "été"), accepted when every character re-encodes and the bytes are strict UTF-8;</item>
/// <item>fix_c1_controls, fix_latin_ligatures, fix_character_width (fullwidth/halfwidth forms, U+3000),
/// uncurl_quotes, fix_line_breaks, fix_surrogates, remove_terminal_escapes, remove_control_chars, NFC.</item>
/// </list>
/// Not implemented (such text passes through unchanged): ftfy's "badness" heuristics, mojibake through the other code
/// pages it tries (Windows-1250/1251/1253/1254/1257, ISO-8859-2, MacRoman, cp437), mojibake that covers only part of a
/// line, restore_byte_a0, replace_lossy_sequences (mojibake holding U+FFFD) and CESU-8.
/// </summary>
internal static class TextFixer
{
    private static readonly Dictionary<char, string> Ligatures = new()
    {
        ['Ĳ'] = "IJ", ['ĳ'] = "ij", ['ŉ'] = "ʼn", ['Ǳ'] = "DZ", ['ǲ'] = "Dz", ['ǳ'] = "dz", ['Ǆ'] = "DŽ", ['ǅ'] = "Dž",
        ['ǆ'] = "dž", ['Ǉ'] = "LJ", ['ǈ'] = "Lj", ['ǉ'] = "lj", ['Ǌ'] = "NJ", ['ǋ'] = "Nj", ['ǌ'] = "nj", ['ﬀ'] = "ff",
        ['ﬁ'] = "fi", ['ﬂ'] = "fl", ['ﬃ'] = "ffi", ['ﬄ'] = "ffl", ['ﬅ'] = "ſt", ['ﬆ'] = "st",
    };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>ftfy's <c>fix_text</c> with the fixes listed on the class.</summary>
    public static string FixText(string text)
    {
        if (IsPlainAscii(text)) return text;
        var unescapeHtml = true;
        var sb = new StringBuilder(text.Length);
        for (var pos = 0; pos < text.Length;)
        {
            var lineEnd = text.IndexOf('\n', pos);
            var end = lineEnd < 0 ? text.Length : lineEnd + 1;
            var line = text[pos..end];
            unescapeHtml &= !line.Contains('<');
            sb.Append(FixLine(line, unescapeHtml));
            pos = end;
        }
        return sb.ToString();
    }

    // Printable ASCII without '&' (and tab/newline) is a fixed point of every fix.
    private static bool IsPlainAscii(string text)
    {
        foreach (var c in text)
        {
            if (c is > '~' or '&' || (c < ' ' && c is not ('\t' or '\n'))) return false;
        }
        return true;
    }

    private static string FixLine(string text, bool unescapeHtml)
    {
        while (true)
        {
            var original = text;
            if (unescapeHtml) text = HtmlEntities.FtfyUnescape(text);
            text = FixEncoding(text);
            text = Map(text, c => c is >= '\u0080' and <= '\u009F' ? WindowsCodePage.Decode((byte)c).ToString() : null);
            text = Map(text, c => Ligatures.GetValueOrDefault(c));
            text = Map(text, c => Normalization.WidthMap.GetValueOrDefault(c));
            text = Map(text, c => c switch
            {
                '\u02BC' or >= '\u2018' and <= '\u201B' => "'",
                >= '\u201C' and <= '\u201F' => "\"",
                _ => null,
            });
            text = FixLineBreaks(text);
            text = FixSurrogates(text);
            text = RemoveTerminalEscapes(text);
            text = Map(text, c => IsRemovedControl(c) ? "" : null);
            text = Normalization.Nfc(text);
            if (text == original) return text;
        }
    }

    // Replaces each character the rule maps (a null result keeps the character); the input itself when none is mapped.
    private static string Map(string text, Func<char, string?> rule)
    {
        StringBuilder? sb = null;
        for (var i = 0; i < text.Length; i++)
        {
            var replacement = rule(text[i]);
            if (replacement is null)
            {
                sb?.Append(text[i]);
                continue;
            }
            sb ??= new StringBuilder(text.Length).Append(text, 0, i);
            sb.Append(replacement);
        }
        return sb?.ToString() ?? text;
    }

    private static bool IsRemovedControl(char c) =>
        c is <= '\u0008' or '\u000B' or >= '\u000E' and <= '\u001F' or '\u007F' or >= '\u206A' and <= '\u206F'
            or '\uFEFF' or >= '\uFFF9' and <= '\uFFFC';

    private static string FixEncoding(string text)
    {
        while (TryRedecode(text, out var fixedText) && fixedText != text)
        {
            text = fixedText;
        }
        return text;
    }

    // UTF-8 read as Latin-1 or as Windows-1252 (ftfy's "sloppy" variant, where undefined bytes are C1 controls).
    private static bool TryRedecode(string text, out string fixedText)
    {
        fixedText = text;
        var ascii = true;
        foreach (var c in text)
        {
            if (c >= 0x80) ascii = false;
        }
        if (ascii) return false;
        return TryRedecode(text, c => c <= 0xFF ? (byte)c : null, out fixedText)
            || TryRedecode(text, c => WindowsCodePage.TryEncode(c, out var b) ? b : null, out fixedText);
    }

    private static bool TryRedecode(string text, Func<char, byte?> encode, out string fixedText)
    {
        fixedText = text;
        var bytes = new byte[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            if (encode(text[i]) is not { } b) return false;
            bytes[i] = b;
        }
        try
        {
            fixedText = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static string FixLineBreaks(string text)
    {
        if (text.AsSpan().IndexOfAny("\r\u2028\u2029\u0085") < 0) return text;
        return text.Replace("\r\n", "\n").Replace('\r', '\n').Replace('\u2028', '\n').Replace('\u2029', '\n')
            .Replace('\u0085', '\n');
    }

    private static string FixSurrogates(string text)
    {
        StringBuilder? sb = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb?.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            if (!char.IsSurrogate(c))
            {
                sb?.Append(c);
                continue;
            }
            sb ??= new StringBuilder(text.Length).Append(text, 0, i);
            sb.Append('\uFFFD');
        }
        return sb?.ToString() ?? text;
    }

    // ANSI escapes: ESC '[' then decimal digits and ';' then one ASCII letter.
    private static string RemoveTerminalEscapes(string text)
    {
        var esc = text.IndexOf('\u001B');
        if (esc < 0) return text;
        var sb = new StringBuilder(text.Length).Append(text, 0, esc);
        for (var i = esc; i < text.Length;)
        {
            if (text[i] == '\u001B' && i + 1 < text.Length && text[i + 1] == '[')
            {
                var j = i + 2;
                while (j < text.Length && (text[j] == ';' || char.IsDigit(text[j]))) j++;
                if (j < text.Length && char.IsAsciiLetter(text[j]))
                {
                    i = j + 1;
                    continue;
                }
            }
            sb.Append(text[i++]);
        }
        return sb.ToString();
    }
}
