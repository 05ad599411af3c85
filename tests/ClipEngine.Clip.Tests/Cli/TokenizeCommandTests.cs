using System.Text.Json;
using ClipEngine.Clip.Tests.Tokenization;

namespace ClipEngine.Clip.Tests.Cli;

public class TokenizeCommandTests
{
    [Fact]
    public void Tokenize_RealVocab_PrintsTheKnownIdsPaddedTo77()
    {
        var run = CliRun.Of("tokenize", "--vocab", RealVocab.Path, "--text", "a photo of a cat").Succeeded();

        var rows = Parse(run.Out);
        Assert.Single(rows);
        Assert.Equal([49406, 320, 1125, 539, 320, 2368, 49407, .. new long[70]], rows[0]);
    }

    [Fact]
    public void Tokenize_TextsThenInputJson_OneRowEachInOrder()
    {
        using var directory = new TempDirectory();
        var input = directory.File("texts.json");
        File.WriteAllText(input, """["Hello World!", "a photo of a cat"]""");

        var run = CliRun.Of("tokenize", "--vocab", RealVocab.Path, "--text", "a photo of a cat", "--input-json", input, "--context-length", "8").Succeeded();

        Assert.Equal(
            [[49406, 320, 1125, 539, 320, 2368, 49407, 0], [49406, 3306, 1002, 256, 49407, 0, 0, 0], [49406, 320, 1125, 539, 320, 2368, 49407, 0]],
            Parse(run.Out));
    }

    [Fact]
    public void Tokenize_TooLong_FailsUnlessTruncated()
    {
        CliRun.Of("tokenize", "--vocab", RealVocab.Path, "--text", "a photo of a cat", "--context-length", "5").FailedWith(1);

        var run = CliRun.Of("tokenize", "--vocab", RealVocab.Path, "--text", "a photo of a cat", "--context-length", "5", "--truncate").Succeeded();

        Assert.Equal([[49406, 320, 1125, 539, 49407]], Parse(run.Out));
    }

    [Fact]
    public void Tokenize_WithoutVocab_SaysWhichFileToPass()
    {
        var error = CliRun.Of("tokenize", "--text", "a dog").FailedWith(2);

        Assert.Contains("bpe_simple_vocab_16e6.txt.gz", error);
    }

    [Fact]
    public void Tokenize_InputJsonNotAnArrayOfStrings_NamesFileAndElement()
    {
        using var directory = new TempDirectory();
        var input = directory.File("texts.json");
        File.WriteAllText(input, """["a dog", 3]""");

        var error = CliRun.Of("tokenize", "--vocab", RealVocab.Path, "--input-json", input).FailedWith(1);

        Assert.Contains(input, error);
        Assert.Contains("element 1", error);
    }

    private static long[][] Parse(string output) => JsonSerializer.Deserialize<long[][]>(output)!;
}
