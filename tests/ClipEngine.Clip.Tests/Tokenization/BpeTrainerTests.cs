using ClipEngine.Clip.Tokenization;

namespace ClipEngine.Clip.Tests.Tokenization;

public class BpeTrainerTests
{
    private static readonly string[] Corpus =
    [
        "a photo of a cat", "a photo of a dog", "A photo of a dog sitting on a red couch.",
        "two people riding bicycles along a beach at sunset", "a close-up photo of a golden retriever puppy",
        "an oil painting of a lighthouse in a storm", "a bowl of ramen with a soft-boiled egg",
        "the Eiffel Tower at dusk", "Zürich in winter, 2024", "東京の夜景", "a cat's toy & a dog's bone 🐶",
    ];

    [Fact]
    public void TrainedVocabularyHasTheRequestedSize()
    {
        var tok = BpeTrainer.Train(Corpus, 600);
        Assert.Equal(600, tok.VocabSize);
        Assert.Equal(600 - 514, tok.Merges.Count);
        Assert.Equal(598, tok.SotTokenId);
        Assert.Equal(599, tok.EotTokenId);
    }

    [Fact]
    public void TrainedBpeReproducesItsCorpus()
    {
        var tok = BpeTrainer.Train(Corpus, 700);
        foreach (var text in Corpus) ClipTokenizerTests.AssertRoundTrip(text, tok);
    }

    [Fact]
    public void FrequentWordsBecomeSingleTokens()
    {
        var tok = BpeTrainer.Train(Corpus, 700);
        Assert.Equal(["photo</w>"], tok.Encode("photo").Select(tok.IdToToken));
        Assert.Equal(["a</w>"], tok.Encode("a").Select(tok.IdToToken));
    }

    [Fact]
    public void TrainingIsDeterministic() =>
        Assert.Equal(BpeTrainer.Train(Corpus, 650).Merges, BpeTrainer.Train(Corpus.Reverse(), 650).Merges);

    [Fact]
    public void SmallCorpusStopsWhenNoPairsAreLeft()
    {
        var tok = BpeTrainer.Train(["ab ab"], 1000);
        Assert.Equal(("a", "b</w>"), Assert.Single(tok.Merges));
        Assert.Equal(515, tok.VocabSize);
    }

    [Theory]
    [InlineData("merges.txt")]
    [InlineData("merges.txt.gz")]
    public void SavedMergesReloadToTheSameIds(string name)
    {
        using var dir = new TempDirectory();
        var tok = BpeTrainer.Train(Corpus, 700);
        tok.SaveOpenAiMerges(dir.File(name));
        var reloaded = ClipTokenizer.FromOpenAiVocab(dir.File(name));
        Assert.Equal(tok.Merges, reloaded.Merges);
        Assert.Equal(tok.VocabSize, reloaded.VocabSize);
        var texts = Corpus.Append("unseen words: xylophone quartz").ToArray();
        Assert.Equal(tok.TokenizeToArray(texts), reloaded.TokenizeToArray(texts));
    }

    [Fact]
    public void RealVocabularySavesAndReloads()
    {
        using var dir = new TempDirectory();
        RealVocab.Tokenizer.SaveOpenAiMerges(dir.File("bpe.txt.gz"));
        var reloaded = ClipTokenizer.FromOpenAiVocab(dir.File("bpe.txt.gz"));
        var texts = TokenizerGoldenCases.Cases.Select(c => c.Text).ToArray();
        Assert.Equal(RealVocab.Tokenizer.TokenizeToArray(texts, truncate: true), reloaded.TokenizeToArray(texts, truncate: true));
    }

    [Fact]
    public void VocabularyBelowTheMinimumIsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => BpeTrainer.Train(Corpus, 513));
}
