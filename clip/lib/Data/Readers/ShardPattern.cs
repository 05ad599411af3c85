using System.Globalization;

namespace ClipEngine.Clip.Data;

/// <summary>
/// Shard lists as open_clip and WebDataset write them: several patterns joined by "::", each brace-expanded like
/// Python's braceexpand — <c>{00000..00099}</c> is a numeric range (zero-padded to the wider end when either end
/// has a leading zero; descending ranges count down), <c>{a,b,c}</c> alternatives, braces nested and several per
/// pattern (a Cartesian product, leftmost varying slowest). Braces that are neither are an error, not literal text.
/// </summary>
public static class ShardPattern
{
    /// <summary>No pattern may name more shards than this; a typo such as {0..99999999} fails fast.</summary>
    public const int MaxShards = 1_000_000;

    public static IReadOnlyList<string> Expand(string patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var result = new List<string>();
        foreach (var pattern in patterns.Split("::"))
        {
            if (pattern.Length == 0) throw new ArgumentException($"\"{patterns}\" has an empty pattern between '::' separators", nameof(patterns));
            ExpandInto(pattern, pattern, result);
        }
        return result;
    }

    private static void ExpandInto(string whole, string pattern, List<string> result)
    {
        var open = pattern.IndexOf('{');
        if (open < 0)
        {
            if (pattern.Contains('}')) throw Error(whole, "has a '}' without a matching '{'");
            Add(whole, pattern, result);
            return;
        }
        var close = MatchingBrace(whole, pattern, open);
        var prefix = pattern[..open];
        var suffix = pattern[(close + 1)..];
        foreach (var alternative in Alternatives(whole, pattern[(open + 1)..close]))
            ExpandInto(whole, prefix + alternative + suffix, result);
    }

    private static IEnumerable<string> Alternatives(string whole, string body)
    {
        var parts = SplitTopLevel(body);
        if (parts.Count > 1) return parts;
        // braceexpand would keep such braces as literal text; in a shard list they are a typo.
        return TryRange(whole, body) ?? throw Error(whole, $"has {{{body}}}, which is neither a list (a,b) nor a range (0..9)");
    }

    private static List<string>? TryRange(string whole, string body)
    {
        var dots = body.IndexOf("..", StringComparison.Ordinal);
        if (dots <= 0) return null;
        var (first, last) = (body[..dots], body[(dots + 2)..]);
        if (!IsInteger(first) || !IsInteger(last)) return null;
        if (!long.TryParse(first, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var from) ||
            !long.TryParse(last, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var to))
            throw Error(whole, $"has a range {{{body}}} whose ends do not fit in 64 bits");
        var count = Int128.Abs((Int128)to - from) + 1;
        if (count > MaxShards) throw Error(whole, $"has a range {{{body}}} of {count} values, over the limit of {MaxShards}");
        var padded = HasLeadingZero(first) || HasLeadingZero(last);
        var width = padded ? Math.Max(first.TrimStart('-').Length, last.TrimStart('-').Length) : 0;
        var step = to >= from ? 1 : -1;
        var values = new List<string>((int)count);
        for (var value = from; ; value += step)
        {
            var digits = Int128.Abs(value).ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
            values.Add(value < 0 ? "-" + digits : digits);
            if (value == to) break;
        }
        return values;
    }

    private static bool IsInteger(string s)
    {
        var digits = s.StartsWith('-') ? s[1..] : s;
        return digits.Length > 0 && digits.All(char.IsAsciiDigit);
    }

    private static bool HasLeadingZero(string s)
    {
        var digits = s.TrimStart('-');
        return digits.Length > 1 && digits[0] == '0';
    }

    private static List<string> SplitTopLevel(string body)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] == '{') depth++;
            else if (body[i] == '}') depth--;
            else if (body[i] == ',' && depth == 0)
            {
                parts.Add(body[start..i]);
                start = i + 1;
            }
        }
        parts.Add(body[start..]);
        return parts;
    }

    private static int MatchingBrace(string whole, string pattern, int open)
    {
        var depth = 0;
        for (var i = open; i < pattern.Length; i++)
        {
            if (pattern[i] == '{') depth++;
            else if (pattern[i] == '}' && --depth == 0) return i;
        }
        throw Error(whole, "has a '{' without a matching '}'");
    }

    private static void Add(string whole, string shard, List<string> result)
    {
        if (result.Count >= MaxShards) throw Error(whole, $"expands to more than {MaxShards} shards");
        result.Add(shard);
    }

    private static ArgumentException Error(string pattern, string problem) =>
        new($"the shard pattern \"{pattern}\" {problem}", "patterns");
}
