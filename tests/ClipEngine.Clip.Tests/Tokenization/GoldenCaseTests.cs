using ClipEngine.Clip.Tokenization;

namespace ClipEngine.Clip.Tests.Tokenization;

/// <summary>Every case of tokenizer_cases.json, id for id, through the real vocabulary.</summary>
public class GoldenCaseTests
{
    private static ClipTokenizer Tok => RealVocab.Tokenizer;

    [Theory]
    [MemberData(nameof(TokenizerGoldenCases.Indices), MemberType = typeof(TokenizerGoldenCases))]
    public void CleanedTextMatches(int index)
    {
        var c = TokenizerGoldenCases.Cases[index];
        Assert.Equal(c.Cleaned, TextCleaner.Clean(c.Text));
    }

    [Theory]
    [MemberData(nameof(TokenizerGoldenCases.Indices), MemberType = typeof(TokenizerGoldenCases))]
    public void RowMatchesClipTokenizeWithTruncate(int index)
    {
        var c = TokenizerGoldenCases.Cases[index];
        var row = Tok.TokenizeToArray([c.Text], truncate: true);
        var expected = new long[ClipTokenizer.DefaultContextLength];
        for (var k = 0; k < c.Ids.Length; k++) expected[k] = c.Ids[k];
        Assert.Equal(expected, row);
    }

    [Theory]
    [MemberData(nameof(TokenizerGoldenCases.Indices), MemberType = typeof(TokenizerGoldenCases))]
    public void PiecesMatch(int index)
    {
        var c = TokenizerGoldenCases.Cases[index];
        var pieces = Tok.Encode(c.Text).Select(Tok.IdToToken).ToArray();
        Assert.Equal(c.Pieces, pieces);
    }

    [Theory]
    [MemberData(nameof(TokenizerGoldenCases.Indices), MemberType = typeof(TokenizerGoldenCases))]
    public void UntruncatedRowsDecodeLikeOpenAi(int index)
    {
        var c = TokenizerGoldenCases.Cases[index];
        if (c.Truncated) return;
        Assert.Equal(c.Decoded, Tok.Decode(Tok.TokenizeToArray([c.Text])));
    }

    [Fact]
    public void TheGoldensCoverTruncationAndFtfy()
    {
        Assert.Contains(TokenizerGoldenCases.Cases, c => c.Truncated);
        Assert.Contains(TokenizerGoldenCases.Cases, c => c.FtfyAffects);
    }
}
