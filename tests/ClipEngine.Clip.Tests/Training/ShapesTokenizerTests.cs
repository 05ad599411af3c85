using ClipEngine.Clip.Data;
using ClipEngine.Clip.Training;

namespace ClipEngine.Clip.Tests.Training;

public sealed class ShapesTokenizerTests
{
    [Fact]
    public void StartAndEndOfTextAreTheTwoHighestIdsOfAVocabularyNoLargerThanAsked()
    {
        var tokenizer = ShapesTraining.Tokenizer;
        Assert.InRange(tokenizer.VocabSize, 514, ShapesTokenizer.DefaultVocabSize);
        Assert.Equal(tokenizer.VocabSize - 2, tokenizer.SotTokenId);
        Assert.Equal(tokenizer.VocabSize - 1, tokenizer.EotTokenId);
        Assert.Equal(tokenizer.EotTokenId, BuiltinTraining.ModelConfig(tokenizer.VocabSize).Text.EotTokenId);
    }

    [Fact]
    public void NoCaptionOrPromptIsCutByTheContext()
    {
        var dataset = new ShapesDataset(BuiltinTraining.DatasetOptions());
        var zeroShot = dataset.ZeroShot;
        var texts = dataset.CaptionCorpus(5000).Concat(Enumerable.Range(0, zeroShot.ClassCount).SelectMany(zeroShot.Prompts));
        var longest = texts.Max(t => ShapesTraining.Tokenizer.Encode(t).Length) + 2;
        Assert.True(longest <= BuiltinTraining.ContextLength, $"a text needs {longest} tokens with SOT and EOT; the context is {BuiltinTraining.ContextLength}");
    }

    [Fact]
    public void TheSavedVocabularyReadsBackToTheSameIds()
    {
        using var dir = new TrainingData.TempDir();
        var path = Path.Combine(dir.Path, ShapesTokenizer.FileName);
        ShapesTraining.Tokenizer.SaveOpenAiMerges(path);
        var loaded = ClipPipeline.LoadTokenizer(path);
        string[] captions = ["a small orange star above a large cyan ring.", "there is a purple hexagon on the left"];
        Assert.Equal(ShapesTraining.Tokenizer.TokenizeToArray(captions, 24), loaded.TokenizeToArray(captions, 24));
    }
}
