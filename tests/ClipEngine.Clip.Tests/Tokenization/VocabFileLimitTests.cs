using System.IO.Compression;
using ClipEngine.Clip.Tokenization;

namespace ClipEngine.Clip.Tests.Tokenization;

/// <summary>Malformed or oversized vocabulary files fail with errors that name the file and line.</summary>
public class VocabFileLimitTests
{
    [Fact]
    public void MalformedMergeLineIsNamed()
    {
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("bpe.txt"), ["#version: 0.2", "a b", "c d e"]);
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromOpenAiVocab(dir.File("bpe.txt")));
        Assert.Contains("bpe.txt line 3", e.Message);
    }

    [Fact]
    public void OverlongLineIsRejected()
    {
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("bpe.txt"), ["#version: 0.2", "a " + new string('b', TokenizerFiles.MaxLineLength)]);
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromOpenAiVocab(dir.File("bpe.txt")));
        Assert.Contains("line 2", e.Message);
    }

    [Fact]
    public void InvalidUtf8IsNamed()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("bpe.txt"), [.. "#version\na b\n"u8, 0xFF, 0x20, 0x61, 0x0A]);
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromOpenAiVocab(dir.File("bpe.txt")));
        Assert.Contains("bpe.txt line 3", e.Message);
    }

    [Fact]
    public void GzipBombIsStopped()
    {
        using var dir = new TempDirectory();
        using (var gz = new GZipStream(File.Create(dir.File("bomb.txt.gz")), CompressionLevel.Fastest))
        {
            var zeros = new byte[1 << 20];
            for (var i = 0; i <= TokenizerFiles.MaxFileBytes >> 20; i++) gz.Write(zeros);
        }
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromOpenAiVocab(dir.File("bomb.txt.gz")));
        Assert.Contains("bomb.txt.gz", e.Message);
    }

    [Fact]
    public void TruncatedGzipIsNamed()
    {
        using var dir = new TempDirectory();
        var bytes = File.ReadAllBytes(RealVocab.Path);
        File.WriteAllBytes(dir.File("cut.txt.gz"), bytes[..(bytes.Length / 100)]);
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromOpenAiVocab(dir.File("cut.txt.gz")));
        Assert.Contains("cut.txt.gz", e.Message);
    }

    [Fact]
    public void MissingByteTokensAreNamed()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("vocab.json"), """{"a": 0, "<|startoftext|>": 1, "<|endoftext|>": 2}""");
        File.WriteAllLines(dir.File("merges.txt"), ["#version: 0.2"]);
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromHuggingFace(dir.File("vocab.json"), dir.File("merges.txt")));
        Assert.Contains("byte token", e.Message);
    }
}
