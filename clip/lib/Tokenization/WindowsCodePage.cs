namespace ClipEngine.Clip.Tokenization;

/// <summary>
/// Windows-1252 as Python's html module and ftfy's "sloppy-windows-1252" read it: bytes 0x80–0x9F are the Windows
/// punctuation and letters, the five bytes Windows leaves undefined stay the C1 control of the same number, and every
/// other byte is its Latin-1 character.
/// </summary>
internal static class WindowsCodePage
{
    private static readonly char[] High =
    [
        '\u20AC', '\u0081', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021',
        '\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008D', '\u017D', '\u008F',
        '\u0090', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014',
        '\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\u009D', '\u017E', '\u0178',
    ];

    private static readonly Dictionary<char, byte> Encoder = BuildEncoder();

    /// <summary>The character a byte decodes to.</summary>
    public static char Decode(byte b) => b is >= 0x80 and <= 0x9F ? High[b - 0x80] : (char)b;

    /// <summary>The byte that decodes to <paramref name="c"/>; false when no byte does.</summary>
    public static bool TryEncode(char c, out byte b) => Encoder.TryGetValue(c, out b);

    private static Dictionary<char, byte> BuildEncoder()
    {
        var map = new Dictionary<char, byte>(256);
        for (var b = 0; b < 256; b++)
        {
            map[Decode((byte)b)] = (byte)b;
        }
        return map;
    }
}
