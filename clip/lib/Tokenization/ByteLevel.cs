namespace ClipEngine.Clip.Tokenization;

/// <summary>
/// GPT-2's reversible byte → printable-character map (OpenAI's <c>bytes_to_unicode</c>): printable Latin-1 bytes map to
/// themselves, the other 68 bytes to U+0100 onwards, so that BPE merges can be written as whitespace-separated text.
/// </summary>
internal static class ByteLevel
{
    /// <summary>The suffix that marks the last symbol of a word.</summary>
    public const string EndOfWord = "</w>";

    /// <summary>The character each byte maps to.</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>The 256 byte characters in OpenAI's vocabulary order (the order of the map's entries).</summary>
    public static readonly char[] VocabOrder = BuildVocabOrder();

    private static readonly int[] CharToByte = BuildCharToByte();

    /// <summary>The byte a vocabulary character stands for, or -1 when the character is not one of the 256.</summary>
    public static int ByteOf(char c) => c < CharToByte.Length ? CharToByte[c] : -1;

    private static bool IsPrintableLatin1(int b) => b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            map[b] = IsPrintableLatin1(b) ? (char)b : (char)next++;
        }
        return map;
    }

    private static char[] BuildVocabOrder()
    {
        var order = new List<char>(256);
        for (var b = 0; b < 256; b++)
        {
            if (IsPrintableLatin1(b)) order.Add((char)b);
        }
        for (var b = 0; b < 256; b++)
        {
            if (!IsPrintableLatin1(b)) order.Add(ByteToChar[b]);
        }
        return [.. order];
    }

    private static int[] BuildCharToByte()
    {
        var map = new int[256 + 68];
        Array.Fill(map, -1);
        for (var b = 0; b < 256; b++)
        {
            map[ByteToChar[b]] = b;
        }
        return map;
    }
}
