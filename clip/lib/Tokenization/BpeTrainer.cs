using System.Text;

namespace ClipEngine.Clip.Tokenization;

/// <summary>
/// Learns a CLIP-style byte-level BPE vocabulary from captions: each caption is cleaned and split into words as the
/// tokenizer does, words start as byte tokens (the last with <c>&lt;/w&gt;</c>), and the most frequent adjacent pair
/// is merged until the vocabulary has the requested size. Ties go to the pair whose first token, then second token,
/// is ordinally smallest, so the result depends only on the corpus.
/// </summary>
public static class BpeTrainer
{
    /// <summary>The smallest vocabulary: 256 byte tokens, 256 with <c>&lt;/w&gt;</c>, SOT and EOT.</summary>
    public const int MinVocabSize = 512 + 2;

    /// <summary>
    /// A tokenizer of <paramref name="vocabSize"/> ids (512 byte tokens + merges + SOT + EOT), or fewer when the corpus
    /// runs out of pairs to merge.
    /// </summary>
    public static ClipTokenizer Train(IEnumerable<string> corpus, int vocabSize)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, MinVocabSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vocabSize, MinVocabSize + TokenizerFiles.MaxMerges);
        var state = new TrainingState(CountWords(corpus));
        var merges = new List<(string, string)>();
        while (merges.Count < vocabSize - MinVocabSize && state.MergeBest() is { } merge)
        {
            merges.Add(merge);
        }
        return ClipTokenizer.FromOpenAiMerges(merges, "trained BPE");
    }

    private static Dictionary<string, int> CountWords(IEnumerable<string> corpus)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var spans = new List<(int Start, int Length)>();
        foreach (var text in corpus)
        {
            var cleaned = TextCleaner.Clean(text);
            spans.Clear();
            PreTokenizer.Split(cleaned, spans);
            foreach (var (start, length) in spans)
            {
                var word = cleaned.Substring(start, length);
                if (word is PreTokenizer.StartOfText or PreTokenizer.EndOfText) continue;
                counts[word] = counts.GetValueOrDefault(word) + 1;
            }
        }
        return counts;
    }

    // Words as symbol lists with their frequencies, pair counts, and the pairs ordered best first.
    private sealed class TrainingState
    {
        private readonly List<string> _symbols = [];
        private readonly List<int>[] _words;
        private readonly int[] _frequency;
        private readonly Dictionary<long, int> _pairCounts = [];
        private readonly Dictionary<long, HashSet<int>> _pairWords = [];
        private readonly SortedSet<(int Count, int A, int B)> _ranking;

        public TrainingState(Dictionary<string, int> wordCounts)
        {
            foreach (var c in ByteLevel.VocabOrder) _symbols.Add(c.ToString());
            foreach (var c in ByteLevel.VocabOrder) _symbols.Add(c + ByteLevel.EndOfWord);
            var byteIndex = new int[256];
            for (var i = 0; i < 256; i++) byteIndex[ByteLevel.ByteOf(ByteLevel.VocabOrder[i])] = i;
            _ranking = new SortedSet<(int, int, int)>(Comparer<(int Count, int A, int B)>.Create(Compare));
            _words = new List<int>[wordCounts.Count];
            _frequency = new int[wordCounts.Count];
            var w = 0;
            foreach (var (word, count) in wordCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                var bytes = Encoding.UTF8.GetBytes(word);
                var symbols = new List<int>(bytes.Length);
                for (var k = 0; k < bytes.Length; k++)
                {
                    symbols.Add(byteIndex[bytes[k]] + (k == bytes.Length - 1 ? 256 : 0));
                }
                _words[w] = symbols;
                _frequency[w] = count;
                AddPairs(w, +1);
                w++;
            }
        }

        // Merges the best pair everywhere; null when no pair is left.
        public (string, string)? MergeBest()
        {
            if (_ranking.Count == 0) return null;
            var (_, a, b) = _ranking.Min;
            var merged = _symbols.Count;
            _symbols.Add(_symbols[a] + _symbols[b]);
            foreach (var w in _pairWords[Key(a, b)].ToArray())
            {
                AddPairs(w, -1);
                var symbols = _words[w];
                var write = 0;
                for (var k = 0; k < symbols.Count;)
                {
                    if (k < symbols.Count - 1 && symbols[k] == a && symbols[k + 1] == b)
                    {
                        symbols[write++] = merged;
                        k += 2;
                    }
                    else
                    {
                        symbols[write++] = symbols[k++];
                    }
                }
                symbols.RemoveRange(write, symbols.Count - write);
                AddPairs(w, +1);
            }
            return (_symbols[a], _symbols[b]);
        }

        private void AddPairs(int w, int sign)
        {
            var symbols = _words[w];
            for (var k = 0; k < symbols.Count - 1; k++)
            {
                var key = Key(symbols[k], symbols[k + 1]);
                var old = _pairCounts.GetValueOrDefault(key);
                if (old > 0) _ranking.Remove((old, symbols[k], symbols[k + 1]));
                var now = old + sign * _frequency[w];
                if (now > 0)
                {
                    _pairCounts[key] = now;
                    _ranking.Add((now, symbols[k], symbols[k + 1]));
                }
                else
                {
                    _pairCounts.Remove(key);
                }
                if (sign > 0)
                {
                    if (!_pairWords.TryGetValue(key, out var set)) _pairWords[key] = set = [];
                    set.Add(w);
                }
            }
        }

        // Highest count first, then the ordinally smallest (first, second) token strings, then the smallest ids.
        private int Compare((int Count, int A, int B) x, (int Count, int A, int B) y)
        {
            if (x.Count != y.Count) return y.Count.CompareTo(x.Count);
            var first = string.CompareOrdinal(_symbols[x.A], _symbols[y.A]);
            if (first != 0) return first;
            var second = string.CompareOrdinal(_symbols[x.B], _symbols[y.B]);
            // Two merges can make the same string; the ids keep such pairs apart.
            return second != 0 ? second : (x.A, x.B).CompareTo((y.A, y.B));
        }

        private static long Key(int a, int b) => ((long)a << 32) | (uint)b;
    }
}
