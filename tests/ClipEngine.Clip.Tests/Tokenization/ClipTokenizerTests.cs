using ClipEngine.Clip.Tokenization;

namespace ClipEngine.Clip.Tests.Tokenization;

public class ClipTokenizerTests
{
    private static ClipTokenizer Tok => RealVocab.Tokenizer;

    private static long[] Row(string text, bool truncate = false) => Tok.TokenizeToArray([text], truncate: truncate);

    private static long[] Padded(params long[] ids)
    {
        var row = new long[ClipTokenizer.DefaultContextLength];
        ids.CopyTo(row, 0);
        return row;
    }

    [Fact]
    public void VocabularyHasOpenAisLayout()
    {
        Assert.Equal(49408, Tok.VocabSize);
        Assert.Equal(49406, Tok.SotTokenId);
        Assert.Equal(49407, Tok.EotTokenId);
        Assert.Equal(ClipTokenizer.OpenAiMergeCount, Tok.Merges.Count);
        Assert.Equal("!", Tok.IdToToken(0));
        Assert.Equal("!</w>", Tok.IdToToken(256));
    }

    [Fact]
    public void KnownIdsFromTheIssue()
    {
        Assert.Equal(Padded(49406, 320, 1125, 539, 320, 2368, 49407), Row("a photo of a cat"));
        Assert.Equal(Padded(49406, 3306, 1002, 256, 49407), Row("Hello World!"));
    }

    [Fact]
    public void TokenizeReturnsAnInt64BatchPaddedWithZeros()
    {
        using var tokens = Tok.Tokenize(["a photo of a cat", "Hello World!"]);
        Assert.Equal([2, 77], tokens.Shape);
        Assert.Equal(DType.I64, tokens.DType);
        var data = tokens.ToArray<long>();
        Assert.Equal(Row("a photo of a cat"), data[..77]);
        Assert.Equal(Row("Hello World!"), data[77..]);
    }

    [Fact]
    public void HtmlEntitiesAreDecodedTwice() =>
        Assert.Equal(Tok.Encode("fish & chips <b>"), Tok.Encode("fish &amp;amp; chips &lt;b&gt;"));

    [Fact]
    public void WhitespaceRunsCollapse() =>
        Assert.Equal(Tok.Encode("a photo of a cat"), Tok.Encode(" \t a \n\n photo\u00A0\u2003of   a\r\ncat  "));

    [Fact]
    public void DigitsAreSingleTokens()
    {
        var ids = Tok.Encode("2024");
        Assert.Equal(["2</w>", "0</w>", "2</w>", "4</w>"], ids.Select(Tok.IdToToken));
    }

    [Fact]
    public void ContractionsSplitOff() =>
        Assert.Equal(["we</w>", "'re</w>", "here</w>", "'ll</w>", "they</w>", "'ve</w>"],
            Tok.Encode("We're here'll they've").Select(Tok.IdToToken));

    [Theory]
    [InlineData("Москва — столица России")]
    [InlineData("東京タワーの写真")]
    [InlineData("صورة قطة")]
    [InlineData("👩‍🚀 an astronaut 🚀🌕")]
    [InlineData("Ελληνικά ΟΔΟΣ")]
    public void NonLatinScriptsAndEmojiRoundTrip(string text) => AssertRoundTrip(text);

    [Fact]
    public void SpecialTokensInTheTextBecomeTheirIds() =>
        Assert.Equal([3306, 49407, 1002], Tok.Encode("hello <|endoftext|> world"));

    [Fact]
    public void TooLongTextThrowsNamingTheTextAndItsLength()
    {
        var text = string.Join(' ', Enumerable.Repeat("cat", 100));
        var e = Assert.Throws<ArgumentException>(() => Tok.TokenizeToArray(["fine", text]));
        Assert.Contains("text 1", e.Message);
        Assert.Contains("cat cat", e.Message);
        Assert.Contains("102 tokens", e.Message);
        Assert.Contains("77", e.Message);
    }

    [Fact]
    public void TruncationKeepsEotLast()
    {
        var text = string.Join(' ', Enumerable.Repeat("cat", 100));
        var row = Row(text, truncate: true);
        var catId = Tok.Encode("cat").Single();
        Assert.Equal(49406, row[0]);
        Assert.All(row[1..76], id => Assert.Equal(catId, id));
        Assert.Equal(49407, row[76]);
    }

    [Fact]
    public void ExactlyFullRowIsNotTruncated()
    {
        var text = string.Join(' ', Enumerable.Repeat("cat", 75));
        var row = Row(text);
        Assert.Equal(49407, row[76]);
        Assert.Equal(Row(text, truncate: true), row);
    }

    [Fact]
    public void OtherContextLengthsWork()
    {
        var rows = Tok.TokenizeToArray(["a photo of a cat"], contextLength: 5, truncate: true);
        Assert.Equal([49406, 320, 1125, 539, 49407], rows);
    }

    [Fact]
    public void DecodeDropsSotEotAndPadding() =>
        Assert.Equal("a photo of a cat ", Tok.Decode(Row("a photo of a cat")));

    [Fact]
    public void DecodeReplacesBrokenUtf8() =>
        Assert.Equal("\uFFFD", Tok.Decode([Tok.TokenToId("\u00C3")!.Value]));

    [Fact]
    public void DecodeRejectsUnknownIds() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Tok.Decode([49408]));

    [Fact]
    public void ManyThreadsGetTheSameIds()
    {
        var texts = TokenizerGoldenCases.Cases.Select(c => c.Text).ToArray();
        var fresh = ClipTokenizer.FromOpenAiVocab(RealVocab.Path);
        var expected = texts.Select(t => Tok.Encode(t)).ToArray();
        var results = new int[16][][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 16 }, k =>
        {
            results[k] = [.. Enumerable.Range(0, texts.Length).Select(i => fresh.Encode(texts[(i + k) % texts.Length]))];
        });
        for (var k = 0; k < results.Length; k++)
        {
            for (var i = 0; i < texts.Length; i++)
            {
                Assert.Equal(expected[(i + k) % texts.Length], results[k][i]);
            }
        }
    }

    [Fact]
    public void CachedAndUncachedEncodingsAgree()
    {
        var fresh = ClipTokenizer.FromOpenAiVocab(RealVocab.Path);
        const string text = "two people riding bicycles along a beach at sunset";
        var cold = fresh.Encode(text);
        Assert.Equal(cold, fresh.Encode(text));
        fresh.ClearCache();
        Assert.Equal(cold, fresh.Encode(text));
    }

    // decode(encode(x)) is the cleaned text's words, each followed by a space.
    internal static void AssertRoundTrip(string text, ClipTokenizer? tokenizer = null)
    {
        tokenizer ??= Tok;
        var cleaned = TextCleaner.Clean(text);
        var words = new List<(int Start, int Length)>();
        PreTokenizer.Split(cleaned, words);
        var expected = string.Concat(words.Select(w => cleaned.Substring(w.Start, w.Length) + " "));
        Assert.Equal(expected, tokenizer.Decode(tokenizer.Encode(text)));
        Assert.Equal(cleaned.Replace(" ", ""), expected.Replace(" ", ""));
    }
}
