using System.Text;
using ClipEngine;

namespace ClipEngine.Clip.Tokenization;

/// <summary>
/// CLIP's byte-level BPE tokenizer, id for id the same as OpenAI's <c>clip.tokenize</c>: text cleaned as
/// <see cref="TextCleaner"/> says, split into words by OpenAI's pattern, each word's UTF-8 bytes merged by rank, and
/// rows of <c>&lt;|startoftext|&gt;</c> … <c>&lt;|endoftext|&gt;</c> padded with 0. Thread-safe: one instance can
/// encode from many threads at once; words seen before come from a bounded cache.
/// </summary>
public sealed partial class ClipTokenizer
{
    /// <summary>CLIP's text context: 77 positions.</summary>
    public const int DefaultContextLength = 77;

    private const int PreviewLength = 60;

    private readonly string?[] _idToToken;
    private readonly Dictionary<string, int> _tokenToId;
    private readonly (string First, string Second)[] _merges;
    private readonly BpeModel _bpe;
    private readonly WordCache _cache = new();

    private ClipTokenizer(Dictionary<string, int> tokenToId, (string, string)[] merges, string source)
    {
        _tokenToId = tokenToId;
        _merges = merges;
        _bpe = new BpeModel(tokenToId, merges, source);
        SotTokenId = RequireSpecial(tokenToId, PreTokenizer.StartOfText, source);
        EotTokenId = RequireSpecial(tokenToId, PreTokenizer.EndOfText, source);
        _idToToken = new string?[tokenToId.Values.Max() + 1];
        foreach (var (token, id) in tokenToId)
        {
            if (_idToToken[id] is { } other)
            {
                throw new InvalidDataException($"{source}: id {id} is given to both '{other}' and '{token}'");
            }
            _idToToken[id] = token;
        }
    }

    /// <summary>The id of <c>&lt;|startoftext|&gt;</c> (49406 in OpenAI's vocabulary).</summary>
    public int SotTokenId { get; }

    /// <summary>The id of <c>&lt;|endoftext|&gt;</c> (49407 in OpenAI's vocabulary); rows end with it.</summary>
    public int EotTokenId { get; }

    /// <summary>The number of token ids (the highest id + 1): 49408 for OpenAI's vocabulary.</summary>
    public int VocabSize => _idToToken.Length;

    /// <summary>The merges in rank order.</summary>
    public IReadOnlyList<(string First, string Second)> Merges => _merges;

    /// <summary>The token string of an id (byte-level characters, <c>&lt;/w&gt;</c> ending a word).</summary>
    public string IdToToken(int id) =>
        (uint)id < (uint)_idToToken.Length && _idToToken[id] is { } token
            ? token
            : throw new ArgumentOutOfRangeException(nameof(id), id, $"no token has id {id} (vocabulary size {VocabSize})");

    /// <summary>The id of a token string, or null when it is not in the vocabulary.</summary>
    public int? TokenToId(string token) => _tokenToId.TryGetValue(token, out var id) ? id : null;

    /// <summary>The BPE ids of a text, without <c>&lt;|startoftext|&gt;</c> and <c>&lt;|endoftext|&gt;</c> (OpenAI's <c>encode</c>).</summary>
    public int[] Encode(string text)
    {
        var ids = new List<int>(16);
        EncodeInto(text, ids);
        return [.. ids];
    }

    /// <summary>
    /// One row per text, <c>[texts.Count, contextLength]</c> int64: SOT, the BPE ids, EOT, then 0s. A text longer than
    /// the context throws unless <paramref name="truncate"/> is set; then the row keeps its first contextLength − 1
    /// tokens and ends with EOT, as <c>clip.tokenize(..., truncate=True)</c> does.
    /// </summary>
    public Tensor Tokenize(IReadOnlyList<string> texts, int contextLength = DefaultContextLength, bool truncate = false)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return Tensor.FromArray(TokenizeToArray(texts, contextLength, truncate), texts.Count, contextLength);
    }

    /// <summary><see cref="Tokenize"/>'s rows, row-major in one array.</summary>
    public long[] TokenizeToArray(IReadOnlyList<string> texts, int contextLength = DefaultContextLength, bool truncate = false)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 2);
        var rows = new long[(long)texts.Count * contextLength];
        var ids = new List<int>(contextLength);
        for (var i = 0; i < texts.Count; i++)
        {
            ids.Clear();
            ids.Add(SotTokenId);
            EncodeInto(texts[i], ids);
            ids.Add(EotTokenId);
            if (ids.Count > contextLength)
            {
                if (!truncate)
                {
                    throw new ArgumentException(
                        $"text {i} (\"{Preview(texts[i])}\") is {ids.Count} tokens long with <|startoftext|> and " +
                        $"<|endoftext|>, more than the context length {contextLength}; shorten it or pass truncate: true",
                        nameof(texts));
                }
                ids.RemoveRange(contextLength, ids.Count - contextLength);
                ids[contextLength - 1] = EotTokenId;
            }
            var row = rows.AsSpan(i * contextLength, contextLength);
            for (var k = 0; k < ids.Count; k++)
            {
                row[k] = ids[k];
            }
        }
        return rows;
    }

    /// <summary>
    /// Text from ids: a leading SOT is dropped, and so are the last EOT and the 0s of padding after it; every other id,
    /// special ones included, becomes its text. <c>&lt;/w&gt;</c> becomes a space and invalid UTF-8 becomes U+FFFD,
    /// as OpenAI's <c>decode</c> does.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var longs = new long[ids.Length];
        for (var k = 0; k < ids.Length; k++)
        {
            longs[k] = ids[k];
        }
        return Decode(longs);
    }

    /// <inheritdoc cref="Decode(ReadOnlySpan{int})"/>
    public string Decode(ReadOnlySpan<long> ids)
    {
        var start = ids.Length > 0 && ids[0] == SotTokenId ? 1 : 0;
        var end = ids.Length;
        var lastEot = ids[start..].LastIndexOf((long)EotTokenId);
        if (lastEot >= 0 && !ids[(start + lastEot + 1)..].ContainsAnyExcept(0L)) end = start + lastEot;
        var bytes = new List<byte>(end - start + 8);
        Span<byte> utf8 = stackalloc byte[4];
        for (var k = start; k < end; k++)
        {
            var token = ids[k] is >= 0 and <= int.MaxValue
                ? IdToToken((int)ids[k])
                : throw new ArgumentOutOfRangeException(nameof(ids), ids[k], $"no token has id {ids[k]} (vocabulary size {VocabSize})");
            foreach (var c in token)
            {
                var b = ByteLevel.ByteOf(c);
                if (b >= 0)
                {
                    bytes.Add((byte)b);
                    continue;
                }
                // Only added tokens hold characters outside the byte alphabet; keep them as they are.
                var n = new Rune(char.IsSurrogate(c) ? '\uFFFD' : c).EncodeToUtf8(utf8);
                bytes.AddRange(utf8[..n]);
            }
        }
        return Encoding.UTF8.GetString([.. bytes]).Replace(ByteLevel.EndOfWord, " ");
    }

    /// <summary>Empties the word cache (for benchmarks that measure the cold path).</summary>
    internal void ClearCache() => _cache.Clear();

    private void EncodeInto(string text, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(text);
        var cleaned = TextCleaner.Clean(text);
        var words = new List<(int Start, int Length)>();
        PreTokenizer.Split(cleaned, words);
        foreach (var (start, length) in words)
        {
            var word = cleaned.AsSpan(start, length);
            if (word.SequenceEqual(PreTokenizer.StartOfText))
            {
                ids.Add(SotTokenId);
            }
            else if (word.SequenceEqual(PreTokenizer.EndOfText))
            {
                ids.Add(EotTokenId);
            }
            else
            {
                if (!_cache.TryGet(word, out var wordIds))
                {
                    wordIds = _bpe.Encode(word);
                    _cache.Add(word, wordIds);
                }
                ids.AddRange(wordIds);
            }
        }
    }

    private static string Preview(string text) =>
        text.Length <= PreviewLength ? text : string.Concat(text.AsSpan(0, PreviewLength), "…");

    private static int RequireSpecial(Dictionary<string, int> tokenToId, string token, string source) =>
        tokenToId.TryGetValue(token, out var id)
            ? id
            : throw new InvalidDataException($"{source}: the vocabulary has no '{token}' token");
}
