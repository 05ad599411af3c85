using ClipEngine.Clip.Tokenization;
using ClipEngine.Tests.Support;

namespace ClipEngine.Clip.Tests.Tokenization;

/// <summary>OpenAI's vocabulary, read in place from ../shared/data (never copied into the project), loaded once.</summary>
public static class RealVocab
{
    public static string Path { get; } =
        System.IO.Path.GetFullPath(System.IO.Path.Combine(Goldens.Directory, "..", "data", "bpe_simple_vocab_16e6.txt.gz"));

    private static readonly Lazy<ClipTokenizer> Shared = new(() => ClipTokenizer.FromOpenAiVocab(Path));

    public static ClipTokenizer Tokenizer => Shared.Value;
}
