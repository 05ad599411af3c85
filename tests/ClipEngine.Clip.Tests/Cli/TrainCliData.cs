using ClipEngine.Clip.Tests.Data.Readers;
using ClipEngine.Clip.Tests.Preprocessing;
using ClipEngine.Clip.Tests.Training;
using ClipEngine.Clip.Tokenization;

namespace ClipEngine.Clip.Tests.Cli;

/// <summary>Files for training runs through the command line: real data (CSV, tar shards) with its vocabulary and a tiny model config, and options files for the built-in data.</summary>
internal static class TrainCliData
{
    public static string Caption(int i) => $"a {(i % 2 == 0 ? "red" : "blue")} {(i % 3 == 0 ? "circle" : "square")} number {i}";

    public static byte[] Image(int i) => TestImages.Png(TestImages.Noise(18 + i % 4, 20, seed: i));

    /// <summary>A comma-separated table with columns id, img, cap; returns its path.</summary>
    public static string Csv(TempDirectory dir, int rows)
    {
        var lines = new List<string> { "id,img,cap" };
        for (var i = 0; i < rows; i++)
        {
            dir.Write($"{i}.png", Image(i));
            lines.Add($"{i},{i}.png,{Caption(i)}");
        }
        return dir.Write("train.csv", System.Text.Encoding.UTF8.GetBytes(string.Join("\n", lines)));
    }

    /// <summary>Shards shards-000.tar … with perShard samples each; returns the brace pattern.</summary>
    public static string Shards(TempDirectory dir, int shards, int perShard)
    {
        for (var s = 0; s < shards; s++)
        {
            var tar = new TarBuilder();
            for (var i = s * perShard; i < (s + 1) * perShard; i++) tar.File($"{i:D4}.png", Image(i)).File($"{i:D4}.txt", Caption(i));
            tar.End().WriteTo(Path.Combine(dir.Path, $"shards-{s:D3}.tar"));
        }
        return Path.Combine(dir.Path, $"shards-{{000..{shards - 1:D3}}}.tar");
    }

    /// <summary>A vocabulary learnt from the captions, and an open_clip config of the tiny model for it; returns both paths.</summary>
    public static (string Vocab, string Config) VocabAndConfig(TempDirectory dir)
    {
        var tokenizer = BpeTrainer.Train(Enumerable.Range(0, 40).Select(Caption), 560);
        var vocab = Path.Combine(dir.Path, "vocab.txt");
        tokenizer.SaveOpenAiMerges(vocab);
        var config = ShapesTraining.Config with { Text = ShapesTraining.Config.Text with { VocabSize = tokenizer.VocabSize } };
        return (vocab, dir.Write("tiny.json", System.Text.Encoding.UTF8.GetBytes(config.ToJson())));
    }

    /// <summary>A training options file for the built-in data that swaps in the tiny model.</summary>
    public static string BuiltinOptions(TempDirectory dir) =>
        dir.Write("train.json", System.Text.Encoding.UTF8.GetBytes($"{{\"model_config\": {ShapesTraining.Config.ToJson()}, \"batch_size\": 8}}"));

    /// <summary>Whether a file starts with the PNG signature.</summary>
    public static bool IsPng(string path) => File.Exists(path) && File.ReadAllBytes(path).AsSpan().StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G']);
}
