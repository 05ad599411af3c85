using System.Diagnostics;
using ClipEngine.Clip.Tokenization;

namespace ClipEngine.Bench.Tokenizer;

/// <summary>
/// ClipTokenizer throughput on a fixed synthetic caption set: "cold" starts each pass with an empty word cache, "warm"
/// encodes the same captions again with every word cached. Tokens are BPE ids (SOT and EOT not counted). Each figure
/// is the best of several passes.
/// </summary>
public static class TokenizerBench
{
    private const string VocabName = "bpe_simple_vocab_16e6.txt.gz";
    private const int CaptionCount = 20_000;
    private const int Passes = 5;

    public static int Run(string[] args)
    {
        var vocab = args.Length == 2 && args[0] == "--vocab" ? args[1] : FindVocab();
        if (vocab is null || args.Length is not (0 or 2))
        {
            Console.Error.WriteLine($"usage: tokenize [--vocab path/to/{VocabName}] (default: ../shared/data/{VocabName} above the repo)");
            return 2;
        }
        var load = Stopwatch.StartNew();
        var tokenizer = ClipTokenizer.FromOpenAiVocab(vocab);
        Console.WriteLine($"vocab     : {vocab} ({tokenizer.VocabSize} ids, loaded in {load.Elapsed.TotalMilliseconds:F0} ms)");
        var captions = Captions();
        var tokens = captions.Sum(c => (long)tokenizer.Encode(c).Length);
        Console.WriteLine($"captions  : {captions.Length:N0} synthetic, {tokens:N0} BPE tokens, {captions.Sum(c => c.Length):N0} chars");

        var cold = Best(() =>
        {
            tokenizer.ClearCache();
            return Time(() => EncodeAll(tokenizer, captions));
        });
        var warm = Best(() => Time(() => EncodeAll(tokenizer, captions)));
        var parallel = Best(() => Time(() => Parallel.ForEach(captions, c => tokenizer.Encode(c))));
        var batch = Best(() => Time(() => tokenizer.TokenizeToArray(captions, truncate: true)));
        Report("cold cache", tokens, captions.Length, cold);
        Report("warm cache", tokens, captions.Length, warm);
        Report($"warm, {Environment.ProcessorCount} threads", tokens, captions.Length, parallel);
        Report("warm, [B,77] rows", tokens, captions.Length, batch);
        return 0;
    }

    private static void EncodeAll(ClipTokenizer tokenizer, string[] captions)
    {
        foreach (var caption in captions) tokenizer.Encode(caption);
    }

    private static double Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalSeconds;
    }

    private static double Best(Func<double> pass) => Enumerable.Range(0, Passes).Min(_ => pass());

    private static void Report(string what, long tokens, int captions, double seconds) =>
        Console.WriteLine($"{what,-22}: {tokens / seconds / 1e6,7:F2} M tokens/s  {captions / seconds / 1e3,8:F1} k captions/s");

    // Captions from templates, common words, numbers, punctuation and some made-up words (so that a cold pass meets
    // words the merges must build), with a few non-Latin ones, from a fixed seed.
    private static string[] Captions()
    {
        string[] templates = ["a photo of a {0} {1}", "{2} {1}s {3} on a {0} {4}", "the {0} {1} at {5}.", "close-up of {2}'s {1}, {6}",
            "A {0} {1} and {7} {4}s near the {8}!", "{1} #{6} — {0}, {3}"];
        string[] adjectives = ["red", "small", "golden", "old", "wooden", "bright", "fluffy", "vintage", "snowy", "modern"];
        string[] nouns = ["cat", "dog", "car", "bicycle", "lighthouse", "mountain", "bowl", "painting", "tower", "puppy", "river", "café"];
        string[] names = ["John", "Ana", "the chef", "my friend", "Zoë", "Dvořák", "東京", "Москва"];
        string[] verbs = ["sitting", "running", "sleeping", "standing", "floating", "parked"];
        string[] places = ["sunset", "dusk", "night", "the beach", "noon", "the station"];
        var random = new Random(1234);
        string Pick(string[] words) => words[random.Next(words.Length)];
        string MadeUp() => new([.. Enumerable.Range(0, random.Next(4, 11)).Select(_ => (char)('a' + random.Next(26)))]);
        return [.. Enumerable.Range(0, CaptionCount).Select(_ => string.Format(
            Pick(templates), Pick(adjectives), Pick(nouns), Pick(names), Pick(verbs), Pick(nouns), Pick(places),
            random.Next(10_000), random.Next(3) == 0 ? MadeUp() : Pick(adjectives), random.Next(4) == 0 ? MadeUp() : Pick(nouns)))];
    }

    private static string? FindVocab()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "data", VocabName);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }
}
