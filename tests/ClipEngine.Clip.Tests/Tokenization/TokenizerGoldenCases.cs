using System.Text.Json;
using ClipEngine.Tests.Support;

namespace ClipEngine.Clip.Tests.Tokenization;

/// <summary>One case of ../shared/goldens/tokenizer_cases.json (OpenAI's clip.tokenize with real ftfy 6.3.1).</summary>
public sealed record TokenizerCase(string Text, int[] Ids, bool Truncated, string Cleaned, string[] Pieces, string Decoded, bool FtfyAffects);

public static class TokenizerGoldenCases
{
    private static readonly Lazy<TokenizerCase[]> All = new(Load);

    public static IReadOnlyList<TokenizerCase> Cases => All.Value;

    /// <summary>Case indices for [MemberData].</summary>
    public static TheoryData<int> Indices()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < All.Value.Length; i++) data.Add(i);
        return data;
    }

    private static TokenizerCase[] Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Goldens.File("tokenizer_cases.json")));
        return [.. doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new TokenizerCase(
            c.GetProperty("text").GetString()!,
            [.. c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32())],
            c.GetProperty("truncated").GetBoolean(),
            c.GetProperty("cleaned").GetString()!,
            [.. c.GetProperty("pieces").EnumerateArray().Select(e => e.GetString()!)],
            c.GetProperty("decoded").GetString()!,
            c.GetProperty("ftfy_affects").GetBoolean()))];
    }
}
