using System.Text.Json;
using ClipEngine.Clip.Tokenization;

namespace ClipEngine.Clip.Tests.Tokenization;

/// <summary>Hugging Face files written from the real vocabulary load to the same ids as OpenAI's file.</summary>
public class HuggingFaceFormatTests
{
    private static ClipTokenizer Tok => RealVocab.Tokenizer;

    private static Dictionary<string, int> Vocab() =>
        Enumerable.Range(0, Tok.VocabSize).ToDictionary(Tok.IdToToken, id => id);

    private static void WriteHuggingFaceFiles(string vocabPath, string mergesPath)
    {
        File.WriteAllText(vocabPath, JsonSerializer.Serialize(Vocab()));
        File.WriteAllLines(mergesPath, ["#version: 0.2", .. Tok.Merges.Select(m => $"{m.First} {m.Second}")]);
    }

    private static void AssertSameIds(ClipTokenizer other)
    {
        Assert.Equal(Tok.VocabSize, other.VocabSize);
        Assert.Equal(Tok.SotTokenId, other.SotTokenId);
        Assert.Equal(Tok.EotTokenId, other.EotTokenId);
        var texts = TokenizerGoldenCases.Cases.Select(c => c.Text).ToArray();
        Assert.Equal(Tok.TokenizeToArray(texts, truncate: true), other.TokenizeToArray(texts, truncate: true));
    }

    [Fact]
    public void VocabJsonAndMergesTxt()
    {
        using var dir = new TempDirectory();
        WriteHuggingFaceFiles(dir.File("vocab.json"), dir.File("merges.txt"));
        AssertSameIds(ClipTokenizer.FromHuggingFace(dir.File("vocab.json"), dir.File("merges.txt")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TokenizerJson(bool mergesAsPairs)
    {
        using var dir = new TempDirectory();
        var vocab = Vocab();
        vocab.Remove("<|startoftext|>");
        vocab.Remove("<|endoftext|>");
        object[] merges = mergesAsPairs
            ? [.. Tok.Merges.Select(m => new[] { m.First, m.Second })]
            : [.. Tok.Merges.Select(m => $"{m.First} {m.Second}")];
        var json = new Dictionary<string, object>
        {
            ["added_tokens"] = new[]
            {
                new { id = 49406, content = "<|startoftext|>", special = true },
                new { id = 49407, content = "<|endoftext|>", special = true },
            },
            ["model"] = new Dictionary<string, object>
            {
                ["type"] = "BPE", ["end_of_word_suffix"] = "</w>", ["vocab"] = vocab, ["merges"] = merges,
            },
        };
        File.WriteAllText(dir.File("tokenizer.json"), JsonSerializer.Serialize(json));
        AssertSameIds(ClipTokenizer.FromHuggingFaceTokenizerJson(dir.File("tokenizer.json")));
    }

    [Fact]
    public void MissingSpecialTokenIsNamed()
    {
        using var dir = new TempDirectory();
        var vocab = Vocab();
        vocab.Remove("<|endoftext|>");
        File.WriteAllText(dir.File("vocab.json"), JsonSerializer.Serialize(vocab));
        File.WriteAllLines(dir.File("merges.txt"), ["#version: 0.2", .. Tok.Merges.Select(m => $"{m.First} {m.Second}")]);
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromHuggingFace(dir.File("vocab.json"), dir.File("merges.txt")));
        Assert.Contains("<|endoftext|>", e.Message);
        Assert.Contains("vocab.json", e.Message);
    }

    [Fact]
    public void MergeWhoseResultIsMissingIsNamed()
    {
        using var dir = new TempDirectory();
        var vocab = Vocab();
        vocab.Remove("photo</w>");
        WriteHuggingFaceFiles(dir.File("unused.json"), dir.File("merges.txt"));
        File.WriteAllText(dir.File("vocab.json"), JsonSerializer.Serialize(vocab));
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromHuggingFace(dir.File("vocab.json"), dir.File("merges.txt")));
        Assert.Contains("'photo</w>'", e.Message);
    }

    [Fact]
    public void BadJsonValuesAreNamed()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("tokenizer.json"), """{"model": {"type": "BPE", "vocab": {"a": "x"}, "merges": []}}""");
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromHuggingFaceTokenizerJson(dir.File("tokenizer.json")));
        Assert.Contains("model.vocab[\"a\"]", e.Message);
        File.WriteAllText(dir.File("tokenizer.json"), """{"model": {"type": "WordPiece", "vocab": {}}}""");
        e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromHuggingFaceTokenizerJson(dir.File("tokenizer.json")));
        Assert.Contains("WordPiece", e.Message);
    }
}
