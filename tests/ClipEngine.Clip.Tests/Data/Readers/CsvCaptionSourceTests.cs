using ClipEngine.Clip.Data;
using ClipEngine.Clip.Tests.Preprocessing;

namespace ClipEngine.Clip.Tests.Data.Readers;

public class CsvCaptionSourceTests
{
    private static CsvCaptionSource Load(TempDirectory dir, string text, CsvOptions? options = null, string name = "captions.tsv") =>
        new(dir.Write(name, System.Text.Encoding.UTF8.GetBytes(text)), options);

    private static readonly CsvOptions Comma = new() { Separator = ',', Shuffle = false };

    [Fact]
    public void Tsv_WithOpenClipDefaultKeys_ResolvesRelativePathsAgainstTheFile()
    {
        using var dir = new TempDirectory();
        var absolute = Path.Combine(dir.Path, "elsewhere", "c.jpg");
        var source = Load(dir, $"id\tfilepath\ttitle\n1\timages/a.jpg\ta dog\n2\tb.png\ta cat on a mat\n3\t{absolute}\tthird\n",
            new CsvOptions { Shuffle = false });
        Assert.Equal([Path.Combine(dir.Path, "images", "a.jpg"), Path.Combine(dir.Path, "b.png"), absolute], source.ImagePaths);
        Assert.Equal(["a dog", "a cat on a mat", "third"], source.Captions);
        var samples = source.ReadEpoch(seed: 1, epoch: 0, skip: 0).ToList();
        Assert.Equal([0L, 1, 2], samples.Select(s => s.Index));
        Assert.Equal(source.ImagePaths, samples.Select(s => s.ImagePath!));
        Assert.Equal(3, source.Counters.SamplesRead);
    }

    [Fact]
    public void Csv_QuotedFields_HoldSeparatorsQuotesAndLineBreaks()
    {
        using var dir = new TempDirectory();
        var text = "\uFEFFfilepath,title,extra\r\n" +
                   "a.jpg,\"red, green and blue\",x\r\n" +
                   "\"b,1.jpg\",\"she said \"\"hi\"\"\",\"\"\r\n" +
                   "c.jpg,\"two\r\nlines\",\n" +
                   "\r\n" +
                   "d.jpg,plain,last";
        var source = Load(dir, text, Comma, "captions.csv");
        Assert.Equal(["red, green and blue", "she said \"hi\"", "two\r\nlines", "plain"], source.Captions);
        Assert.Equal(Path.Combine(dir.Path, "b,1.jpg"), source.ImagePaths[1]);
    }

    [Fact]
    public void CustomKeys_SelectColumns()
    {
        using var dir = new TempDirectory();
        var source = Load(dir, "caption;image\nhello;x.png\n", new CsvOptions { Separator = ';', ImageKey = "image", CaptionKey = "caption" });
        Assert.Equal("hello", source.Captions.Single());
        Assert.Equal(Path.Combine(dir.Path, "x.png"), source.ImagePaths.Single());
    }

    [Fact]
    public void MissingColumn_NamesFileLineColumnAndTheColumnsThereAre()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<CsvFormatException>(() => Load(dir, "filepath\tcaption\na.jpg\tx\n"));
        Assert.Equal(1, e.Line);
        Assert.EndsWith("captions.tsv", e.FileName);
        Assert.Contains("'title'", e.Message);
        Assert.Contains("--csv-caption-key", e.Message);
        Assert.Contains("'filepath', 'caption'", e.Message);
    }

    [Fact]
    public void WrongSeparator_IsHintedAt()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<CsvFormatException>(() => Load(dir, "filepath,title\na.jpg,x\n"));
        Assert.Contains("separator", e.Message);
    }

    [Fact]
    public void RowWithWrongFieldCount_NamesItsLine_CountingLinesInsideQuotes()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<CsvFormatException>(() => Load(dir, "filepath,title\na.jpg,\"multi\nline\"\nb.jpg,x,extra\n", Comma, "c.csv"));
        Assert.Equal(4, e.Line);
        Assert.Contains("3 fields", e.Message);
        Assert.Contains("c.csv, line 4", e.Message);
    }

    [Fact]
    public void UnclosedQuote_NamesTheLineWhereItOpened()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<CsvFormatException>(() => Load(dir, "filepath,title\na.jpg,ok\nb.jpg,\"never closed\nc.jpg,x\n", Comma));
        Assert.Equal(3, e.Line);
        Assert.Contains("never closed", e.Reason);
    }

    [Fact]
    public void TextAfterClosingQuote_IsAnError()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<CsvFormatException>(() => Load(dir, "filepath,title\na.jpg,\"x\"y\n", Comma));
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void OverlongRecord_IsRejectedAtTheLimit()
    {
        using var dir = new TempDirectory();
        var options = Comma with { MaxRecordChars = 50 };
        Assert.Single(Load(dir, "filepath,title\na.jpg," + new string('x', 40) + "\n", options).Captions);
        var e = Assert.Throws<CsvFormatException>(() => Load(dir, "filepath,title\na.jpg," + new string('x', 60) + "\n", options));
        Assert.Equal(2, e.Line);
        Assert.Contains("50 characters", e.Message);
        var unclosed = Assert.Throws<CsvFormatException>(() => Load(dir, "filepath,title\na.jpg,\"" + new string('x', 100), options));
        Assert.Contains("50 characters", unclosed.Message);
    }

    [Fact]
    public void EmptyPathOrCaption_IsSkippedAndCounted()
    {
        using var dir = new TempDirectory();
        var source = Load(dir, "filepath,title\na.jpg,ok\n,no image\nc.jpg,\nd.jpg,\"  \"\ne.jpg,fine\n", Comma);
        Assert.Equal(["ok", "fine"], source.Captions);
        Assert.Equal(1, source.Counters.Skipped(SkipReason.MissingImage));
        Assert.Equal(2, source.Counters.Skipped(SkipReason.MissingCaption));
        Assert.Contains("line 5", source.Counters.LastMessage(SkipReason.MissingCaption));
    }

    [Fact]
    public void EmptyFile_AndMissingFile_AreClearErrors()
    {
        using var dir = new TempDirectory();
        Assert.Contains("empty", Assert.Throws<CsvFormatException>(() => Load(dir, "")).Message);
        Assert.Throws<FileNotFoundException>(() => new CsvCaptionSource(Path.Combine(dir.Path, "none.csv")));
    }

    [Fact]
    public void Shuffle_IsAPermutation_FixedBySeedAndEpoch()
    {
        using var dir = new TempDirectory();
        var rows = string.Join("\n", Enumerable.Range(0, 50).Select(i => $"{i}.jpg\tcaption {i}"));
        var source = Load(dir, "filepath\ttitle\n" + rows + "\n");
        List<string> Order(ulong seed, int epoch, long skip = 0) => [.. source.ReadEpoch(seed, epoch, skip).Select(s => s.Caption)];

        var first = Order(7, 0);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"caption {i}").Order(), first.Order());
        Assert.Equal(first, Order(7, 0));
        Assert.NotEqual(first, Order(7, 1));
        Assert.NotEqual(first, Order(8, 0));
        Assert.NotEqual(source.Captions, first);
        Assert.Equal(first.Skip(20), Order(7, 0, skip: 20));
        Assert.Equal(Enumerable.Range(20, 30).Select(i => (long)i), source.ReadEpoch(7, 0, 20).Select(s => s.Index));
    }

    [Theory]
    [InlineData("\\t", '\t')]
    [InlineData("\t", '\t')]
    [InlineData(",", ',')]
    public void SeparatorFlag_Parses(string flag, char expected) => Assert.Equal(expected, CsvOptions.ParseSeparator(flag));

    [Fact]
    public void QuoteAsSeparator_IsRefused() => Assert.Throws<ArgumentException>(() => new CsvOptions { Separator = '"' });
}
