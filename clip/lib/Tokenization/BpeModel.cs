using System.Buffers;
using System.Text;

namespace ClipEngine.Clip.Tokenization;

/// <summary>
/// Byte-level BPE over token ids: a word's UTF-8 bytes start as byte tokens (the last one with <c>&lt;/w&gt;</c>), then
/// the adjacent pair with the lowest merge rank is merged everywhere, left to right, until no pair has a rank — exactly
/// OpenAI's <c>SimpleTokenizer.bpe</c>, with ids in place of strings.
/// </summary>
internal sealed class BpeModel
{
    private readonly Dictionary<long, (int Rank, int Merged)> _merges;
    private readonly int[] _byteIds = new int[256];
    private readonly int[] _byteEndIds = new int[256];

    /// <param name="vocab">token → id; must hold the 256 byte tokens, their <c>&lt;/w&gt;</c> forms and every merge result</param>
    /// <param name="merges">the merges in rank order; a pair listed twice takes its later rank, as Python's dict does</param>
    /// <param name="source">what the vocabulary came from, for error messages</param>
    public BpeModel(IReadOnlyDictionary<string, int> vocab, IReadOnlyList<(string First, string Second)> merges, string source)
    {
        for (var b = 0; b < 256; b++)
        {
            var symbol = ByteLevel.ByteToChar[b].ToString();
            _byteIds[b] = Require(vocab, symbol, b, source);
            _byteEndIds[b] = Require(vocab, symbol + ByteLevel.EndOfWord, b, source);
        }
        _merges = new Dictionary<long, (int, int)>(merges.Count);
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (first, second) = merges[rank];
            if (!vocab.TryGetValue(first + second, out var merged))
            {
                throw new InvalidDataException(
                    $"{source}: merge {rank + 1} ('{first}' '{second}') makes '{first + second}', which is not in the vocabulary");
            }
            // A pair whose parts are not tokens can never be formed, so it can never apply.
            if (vocab.TryGetValue(first, out var a) && vocab.TryGetValue(second, out var b))
            {
                _merges[Key(a, b)] = (rank, merged);
            }
        }
    }

    /// <summary>The token ids of one word (no white space inside).</summary>
    public int[] Encode(ReadOnlySpan<char> word)
    {
        var byteCount = Encoding.UTF8.GetByteCount(word);
        if (byteCount == 0) return [];
        var rented = ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            Encoding.UTF8.GetBytes(word, rented);
            var symbols = new int[byteCount];
            for (var k = 0; k < byteCount - 1; k++)
            {
                symbols[k] = _byteIds[rented[k]];
            }
            symbols[byteCount - 1] = _byteEndIds[rented[byteCount - 1]];
            var count = MergeAll(symbols, byteCount);
            return count == symbols.Length ? symbols : symbols[..count];
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private int MergeAll(int[] symbols, int count)
    {
        while (count > 1)
        {
            var bestRank = int.MaxValue;
            var best = default((int A, int B, int Merged));
            for (var k = 0; k < count - 1; k++)
            {
                if (_merges.TryGetValue(Key(symbols[k], symbols[k + 1]), out var m) && m.Rank < bestRank)
                {
                    bestRank = m.Rank;
                    best = (symbols[k], symbols[k + 1], m.Merged);
                }
            }
            if (bestRank == int.MaxValue) break;
            var write = 0;
            for (var k = 0; k < count;)
            {
                if (k < count - 1 && symbols[k] == best.A && symbols[k + 1] == best.B)
                {
                    symbols[write++] = best.Merged;
                    k += 2;
                }
                else
                {
                    symbols[write++] = symbols[k++];
                }
            }
            count = write;
        }
        return count;
    }

    private static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    private static int Require(IReadOnlyDictionary<string, int> vocab, string token, int b, string source) =>
        vocab.TryGetValue(token, out var id)
            ? id
            : throw new InvalidDataException($"{source}: the vocabulary lacks the byte token '{token}' (byte 0x{b:X2})");
}
