using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace ClipEngine.Clip.Tokenization;

public sealed partial class ClipTokenizer
{
    /// <summary>How many merges of OpenAI's file CLIP uses: 49152 − 256 − 2.</summary>
    public const int OpenAiMergeCount = 49152 - 256 - 2;

    private const string MergesHeader = "#version: 0.2";

    /// <summary>
    /// OpenAI's merges file (<c>bpe_simple_vocab_16e6.txt.gz</c>, gzip or plain text): a header line, then one merge
    /// "a b" a line, of which the first <paramref name="maxMerges"/> are used. The ids are OpenAI's layout: the 256 byte
    /// tokens, the same with <c>&lt;/w&gt;</c>, one token per merge, then <c>&lt;|startoftext|&gt;</c> and
    /// <c>&lt;|endoftext|&gt;</c>. Blank lines are skipped.
    /// </summary>
    public static ClipTokenizer FromOpenAiVocab(string path, int maxMerges = OpenAiMergeCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxMerges);
        var merges = new List<(string, string)>();
        using (var reader = TokenizerFiles.OpenLines(path))
        {
            if (reader.ReadLine() is null) throw new InvalidDataException($"{path}: empty; expected a header line, then merges");
            while (merges.Count < maxMerges && reader.ReadLine() is { } line)
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                TokenizerFiles.AddMerge(merges, TokenizerFiles.ParseMerge(line, path, reader.LineNumber), path, $"line {reader.LineNumber}");
            }
        }
        return FromOpenAiMerges(merges, path);
    }

    /// <summary>
    /// Hugging Face's <c>vocab.json</c> (token → id) and <c>merges.txt</c> (an optional <c>#version</c> line, then "a b"
    /// lines). Only the vocabulary and merges are taken from the files; cleaning and word splitting are OpenAI's.
    /// </summary>
    public static ClipTokenizer FromHuggingFace(string vocabJsonPath, string mergesTxtPath)
    {
        Dictionary<string, int> vocab;
        using (var doc = TokenizerFiles.ReadJson(vocabJsonPath))
        {
            vocab = ReadVocab(doc.RootElement, vocabJsonPath, "the root");
        }
        var merges = new List<(string, string)>();
        using (var reader = TokenizerFiles.OpenLines(mergesTxtPath))
        {
            while (reader.ReadLine() is { } line)
            {
                if (string.IsNullOrWhiteSpace(line) || (reader.LineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal))) continue;
                var where = $"line {reader.LineNumber}";
                TokenizerFiles.AddMerge(merges, TokenizerFiles.ParseMerge(line, mergesTxtPath, reader.LineNumber), mergesTxtPath, where);
            }
        }
        return new ClipTokenizer(vocab, [.. merges], $"{vocabJsonPath} + {mergesTxtPath}");
    }

    /// <summary>
    /// Hugging Face's <c>tokenizer.json</c>: <c>model.vocab</c>, <c>model.merges</c> ("a b" strings or [a, b] pairs) and
    /// <c>added_tokens</c>. Its normalizer and pre-tokenizer are not used; cleaning and word splitting are OpenAI's.
    /// </summary>
    public static ClipTokenizer FromHuggingFaceTokenizerJson(string path)
    {
        using var doc = TokenizerFiles.ReadJson(path);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{path}: no \"model\" object");
        }
        if (model.TryGetProperty("type", out var type) && type.GetString() != "BPE")
        {
            throw new InvalidDataException($"{path}: model.type is {type.GetRawText()}; only \"BPE\" models are CLIP tokenizers");
        }
        if (!model.TryGetProperty("vocab", out var vocabElement)) throw new InvalidDataException($"{path}: no model.vocab");
        var vocab = ReadVocab(vocabElement, path, "model.vocab");
        if (!model.TryGetProperty("merges", out var mergesElement) || mergesElement.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{path}: model.merges must be an array");
        }
        var merges = new List<(string, string)>();
        var index = 0;
        foreach (var item in mergesElement.EnumerateArray())
        {
            var where = $"model.merges[{index++}]";
            var merge = item.ValueKind switch
            {
                JsonValueKind.String => TokenizerFiles.ParseMerge(item.GetString()!, path, index),
                JsonValueKind.Array when item.GetArrayLength() == 2 && item[0].ValueKind == JsonValueKind.String
                    && item[1].ValueKind == JsonValueKind.String => (item[0].GetString()!, item[1].GetString()!),
                _ => throw new InvalidDataException($"{path}: {where} must be \"a b\" or [\"a\", \"b\"], not {item.GetRawText()}"),
            };
            TokenizerFiles.AddMerge(merges, merge, path, where);
        }
        if (root.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
        {
            index = 0;
            foreach (var token in added.EnumerateArray())
            {
                var where = $"added_tokens[{index++}]";
                if (token.ValueKind != JsonValueKind.Object || !token.TryGetProperty("content", out var content)
                    || content.ValueKind != JsonValueKind.String || !token.TryGetProperty("id", out var id))
                {
                    throw new InvalidDataException($"{path}: {where} must be an object with \"id\" and \"content\"");
                }
                vocab.TryAdd(content.GetString()!, TokenizerFiles.ReadId(id, path, $"{where}.id"));
            }
        }
        return new ClipTokenizer(vocab, [.. merges], path);
    }

    /// <summary>
    /// Writes the merges in OpenAI's format (gzip when the path ends in .gz): a header line, then "a b" lines.
    /// <see cref="FromOpenAiVocab"/> reads it back to the same ids. Only vocabularies in OpenAI's id layout can be
    /// written this way; the file is replaced atomically.
    /// </summary>
    public void SaveOpenAiMerges(string path)
    {
        var expected = OpenAiVocab(_merges);
        if (expected.Count != _tokenToId.Count || expected.Any(kv => !_tokenToId.TryGetValue(kv.Key, out var id) || id != kv.Value))
        {
            throw new InvalidOperationException(
                "this vocabulary does not use OpenAI's id layout (bytes, bytes with </w>, merges, SOT, EOT), so its merges alone cannot reproduce it");
        }
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = File.Create(temp))
            using (var content = full.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionLevel.Optimal) : (Stream)file)
            using (var writer = new StreamWriter(content, new UTF8Encoding(false)))
            {
                writer.NewLine = "\n";
                writer.WriteLine(MergesHeader);
                foreach (var (first, second) in _merges)
                {
                    writer.Write(first);
                    writer.Write(' ');
                    writer.WriteLine(second);
                }
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>A tokenizer with OpenAI's id layout built from merges alone.</summary>
    internal static ClipTokenizer FromOpenAiMerges(IReadOnlyList<(string, string)> merges, string source) =>
        new(OpenAiVocab(merges), [.. merges], source);

    // OpenAI's vocabulary: bytes, bytes + </w>, one token per merge, SOT, EOT; a token listed twice keeps its last id,
    // as Python's dict(zip(vocab, range(len(vocab)))) does.
    private static Dictionary<string, int> OpenAiVocab(IReadOnlyList<(string First, string Second)> merges)
    {
        var vocab = new Dictionary<string, int>(512 + merges.Count + 2, StringComparer.Ordinal);
        var next = 0;
        foreach (var c in ByteLevel.VocabOrder)
        {
            vocab[c.ToString()] = next++;
        }
        foreach (var c in ByteLevel.VocabOrder)
        {
            vocab[c + ByteLevel.EndOfWord] = next++;
        }
        foreach (var (first, second) in merges)
        {
            vocab[first + second] = next++;
        }
        vocab[PreTokenizer.StartOfText] = next++;
        vocab[PreTokenizer.EndOfText] = next;
        return vocab;
    }

    private static Dictionary<string, int> ReadVocab(JsonElement element, string path, string where)
    {
        if (element.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: {where} must be an object of token → id");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in element.EnumerateObject())
        {
            if (vocab.Count == TokenizerFiles.MaxVocabSize)
            {
                throw new InvalidDataException($"{path}: {where} has more than {TokenizerFiles.MaxVocabSize:N0} tokens");
            }
            vocab[entry.Name] = TokenizerFiles.ReadId(entry.Value, path, $"{where}[\"{entry.Name}\"]");
        }
        return vocab;
    }
}
