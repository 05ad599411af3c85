using ClipEngine.Clip.Data;
using ClipEngine.Clip.Tokenization;

namespace ClipEngine.Clip.Training;

/// <summary>
/// The built-in dataset's tokenizer: a byte-level BPE vocabulary learnt from its captions and zero-shot prompts
/// (<see cref="BpeTrainer"/>), in OpenAI's id layout, so SOT and EOT are the two highest ids and a model whose
/// vocab_size is the tokenizer's pools text at EOT. The dataset has few distinct words, so the merges run out
/// before a large vocabulary fills and <see cref="ClipTokenizer.VocabSize"/> can be below the size asked for.
/// </summary>
public static class ShapesTokenizer
{
    public const int DefaultVocabSize = 1024;

    /// <summary>Captions the vocabulary is learnt from; they are cheap (nothing is rendered) and cover every word.</summary>
    public const int CorpusCaptions = 20_000;

    /// <summary>The file name a run keeps it under (OpenAI's merges format, read by <see cref="ClipTokenizer.FromOpenAiVocab"/>).</summary>
    public const string FileName = "bpe_vocab.txt";

    public static ClipTokenizer Train(ShapesDataset dataset, int vocabSize = DefaultVocabSize)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var zeroShot = dataset.ZeroShot;
        var prompts = Enumerable.Range(0, zeroShot.ClassCount).SelectMany(zeroShot.Prompts);
        return BpeTrainer.Train(dataset.CaptionCorpus(CorpusCaptions).Concat(prompts), vocabSize);
    }

    /// <summary>Trains the tokenizer and writes it to <paramref name="path"/>; returns it.</summary>
    public static ClipTokenizer TrainAndSave(ShapesDataset dataset, string path, int vocabSize = DefaultVocabSize)
    {
        var tokenizer = Train(dataset, vocabSize);
        tokenizer.SaveOpenAiMerges(path);
        return tokenizer;
    }
}
