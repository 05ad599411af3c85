using ClipEngine.Clip.Tests.Inference;
using ClipEngine.Clip.Tests.Tokenization;

namespace ClipEngine.Clip.Tests.Cli;

public class ClassifyCommandTests
{
    private static readonly string[] Classes = ["dog", "cat", "red car"];

    [Fact]
    public void Classify_PrintsTheClassifiersRankingPerImage()
    {
        using var directory = new TempDirectory();
        string[] paths = [.. Enumerable.Range(0, 2).Select(i => TinyClip.WritePng(directory, $"image{i}.png", seed: 40 + i))];
        var vocab = WriteVocab(directory);
        var templates = directory.File("templates.txt");
        File.WriteAllText(templates, "a photo of a {}.\na drawing of the {}.\n");

        var run = CliRun.Of("classify", "--model", TinyClip.WeightsPath, "--vocab", vocab, "--image", paths[0], "--image", paths[1],
            "--labels", "dog, cat,red car", "--templates", templates).Succeeded();

        using var pipeline = TinyClip.Pipeline();
        var expected = new ZeroShotClassifier(pipeline, Classes, ["a photo of a {}.", "a drawing of the {}."]).Classify(paths);
        var printed = ParseTables(run.Out);
        Assert.Equal(paths, printed.Keys);
        for (var i = 0; i < paths.Length; i++)
        {
            Assert.Equal(expected[i].Select(p => p.ClassName), printed[paths[i]].Select(r => r.Label));
            Assert.Equal(expected[i].Select(p => Math.Round(p.Probability, 6)), printed[paths[i]].Select(r => r.Probability));
        }
    }

    [Fact]
    public void Classify_Top_LimitsTheRows()
    {
        using var directory = new TempDirectory();
        var path = TinyClip.WritePng(directory, "image.png", seed: 3);

        var run = CliRun.Of("classify", "--model", TinyClip.WeightsPath, "--vocab", WriteVocab(directory), "--image", path, "--labels", "dog,cat,red car", "--top", "2").Succeeded();

        Assert.Equal(2, ParseTables(run.Out)[path].Count);
    }

    [Fact]
    public void Classify_CorruptImage_ReportsTheFileAndClassifiesTheOthers()
    {
        using var directory = new TempDirectory();
        var good = TinyClip.WritePng(directory, "good.png", seed: 4);
        var bad = directory.File("bad.png");
        File.WriteAllText(bad, "not an image");

        var run = CliRun.Of("classify", "--model", TinyClip.WeightsPath, "--vocab", WriteVocab(directory), "--image", bad, "--image", good, "--labels", "dog,cat");

        Assert.Contains(bad, run.FailedWith(1));
        Assert.Equal([good], ParseTables(run.Out).Keys);
    }

    [Fact]
    public void Classify_EmptyLabel_IsAUsageError()
    {
        var error = CliRun.Of("classify", "--model", TinyClip.WeightsPath, "--vocab", RealVocab.Path, "--image", "x.png", "--labels", "dog,,cat").FailedWith(2);

        Assert.Contains("--labels", error);
    }

    private static string WriteVocab(TempDirectory directory)
    {
        var vocab = directory.File("vocab.txt");
        TinyClip.Tokenizer.SaveOpenAiMerges(vocab);
        return vocab;
    }

    /// <summary>Image path → its table rows (label, probability) in printed order.</summary>
    private static Dictionary<string, List<(string Label, double Probability)>> ParseTables(string output)
    {
        var tables = new Dictionary<string, List<(string, double)>>();
        List<(string, double)>? current = null;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')))
        {
            if (!line.StartsWith(' '))
            {
                tables[line] = current = [];
                continue;
            }
            var fields = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            if (fields[0] == "rank") continue;
            current!.Add((fields[2], double.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture)));
        }
        return tables;
    }
}
