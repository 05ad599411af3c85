using System.Globalization;
using System.Text;

namespace ClipEngine.Clip.Tokenization;

/// <summary>
/// Unicode NFC from tables generated from Python's unicodedata, because the project builds with InvariantGlobalization,
/// where <c>string.Normalize</c> leaves non-ASCII text as it is. Canonical decomposition (Hangul algorithmically),
/// canonical ordering, then canonical composition, as UAX #15 specifies.
/// </summary>
internal static partial class Normalization
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Dictionary<int, int[]> Decompositions = ParseMappings(DecompositionTable);
    private static readonly Dictionary<long, int> Compositions = BuildCompositions();
    private static readonly Dictionary<int, byte> CombiningClasses = ParseClasses();
    private static readonly HashSet<int> ComposesWithPrevious = [.. Compositions.Keys.Select(k => (int)(k & 0xFFFFFFFF))];

    /// <summary>ftfy's width map: U+3000 to a space, halfwidth and fullwidth forms to their NFKC form.</summary>
    public static readonly Dictionary<char, string> WidthMap = ParseMappings(WidthTable)
        .ToDictionary(kv => (char)kv.Key, kv => string.Concat(kv.Value.Select(char.ConvertFromUtf32)));

    /// <summary>The NFC form of <paramref name="s"/> (which holds no lone surrogates).</summary>
    public static string Nfc(string s)
    {
        if (IsQuickNfc(s)) return s;
        var decomposed = new List<int>(s.Length + 8);
        foreach (var rune in s.EnumerateRunes())
        {
            Decompose(rune.Value, decomposed);
        }
        Reorder(decomposed);
        var composed = Compose(decomposed);
        var sb = new StringBuilder(composed.Count);
        foreach (var cp in composed)
        {
            sb.Append(char.ConvertFromUtf32(cp));
        }
        return sb.ToString();
    }

    // No code point that decomposes, reorders or composes with what precedes it: the text is already NFC.
    private static bool IsQuickNfc(string s)
    {
        foreach (var rune in s.EnumerateRunes())
        {
            var cp = rune.Value;
            if (cp < 0x300) continue;
            if (cp is >= SBase and < SBase + SCount || cp is >= VBase and < VBase + VCount || cp is > TBase and < TBase + TCount
                || Decompositions.ContainsKey(cp) || CombiningClass(cp) != 0 || ComposesWithPrevious.Contains(cp))
            {
                return false;
            }
        }
        return true;
    }

    private static void Decompose(int cp, List<int> output)
    {
        if (cp is >= SBase and < SBase + SCount)
        {
            var index = cp - SBase;
            output.Add(LBase + index / NCount);
            output.Add(VBase + index % NCount / TCount);
            if (index % TCount != 0) output.Add(TBase + index % TCount);
            return;
        }
        if (Decompositions.TryGetValue(cp, out var parts))
        {
            foreach (var part in parts) Decompose(part, output);
            return;
        }
        output.Add(cp);
    }

    // Canonical ordering: a stable sort of each run of non-starters by combining class.
    private static void Reorder(List<int> cps)
    {
        for (var i = 1; i < cps.Count; i++)
        {
            var cc = CombiningClass(cps[i]);
            if (cc == 0) continue;
            for (var j = i; j > 0 && CombiningClass(cps[j - 1]) > cc; j--)
            {
                (cps[j - 1], cps[j]) = (cps[j], cps[j - 1]);
            }
        }
    }

    private static List<int> Compose(List<int> cps)
    {
        var result = new List<int>(cps.Count);
        var starter = -1;
        var lastClass = -1; // the class of the last code point after the starter; -1 when none follows it yet
        foreach (var cp in cps)
        {
            var cc = CombiningClass(cp);
            if (starter >= 0 && (lastClass == -1 || lastClass < cc) && TryCompose(result[starter], cp, out var composite))
            {
                result[starter] = composite;
                continue;
            }
            if (cc == 0)
            {
                starter = result.Count;
                lastClass = -1;
            }
            else
            {
                lastClass = cc;
            }
            result.Add(cp);
        }
        return result;
    }

    private static bool TryCompose(int first, int second, out int composite)
    {
        if (first is >= LBase and < LBase + LCount && second is >= VBase and < VBase + VCount)
        {
            composite = SBase + ((first - LBase) * VCount + second - VBase) * TCount;
            return true;
        }
        if (first is >= SBase and < SBase + SCount && (first - SBase) % TCount == 0 && second is > TBase and < TBase + TCount)
        {
            composite = first + second - TBase;
            return true;
        }
        return Compositions.TryGetValue(Key(first, second), out composite);
    }

    private static int CombiningClass(int cp) => CombiningClasses.GetValueOrDefault(cp);

    private static long Key(int first, int second) => ((long)first << 32) | (uint)second;

    private static Dictionary<int, int[]> ParseMappings(string table)
    {
        var map = new Dictionary<int, int[]>();
        foreach (var line in table.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split('\t');
            map[Hex(fields[0])] = [.. fields[1].Split(' ').Select(Hex)];
        }
        return map;
    }

    private static Dictionary<long, int> BuildCompositions() =>
        ParseMappings(CompositionTable).ToDictionary(kv => Key(kv.Value[0], kv.Value[1]), kv => kv.Key);

    private static Dictionary<int, byte> ParseClasses()
    {
        var map = new Dictionary<int, byte>();
        foreach (var line in CombiningClassTable.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split('\t');
            var cc = byte.Parse(fields[2], CultureInfo.InvariantCulture);
            for (var cp = Hex(fields[0]); cp <= Hex(fields[1]); cp++) map[cp] = cc;
        }
        return map;
    }

    private static int Hex(string s) => int.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
