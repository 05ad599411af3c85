using System.Globalization;
using ClipEngine.Clip.Tests.Preprocessing;
using ClipEngine.Clip.Tests.Training;
using ClipEngine.Clip.Training;

namespace ClipEngine.Clip.Tests.Cli;

public sealed class EvalCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _checkpoint;

    /// <summary>A checkpoint directory as training writes one: the tiny model with its config, and the tokenizer beside it.</summary>
    public EvalCommandTests()
    {
        _checkpoint = Path.Combine(_dir.Path, "step-00000001");
        Directory.CreateDirectory(_checkpoint);
        using var model = ClipModel.FromConfig(ShapesTraining.Config, seed: 4);
        model.SaveSafeTensors(Path.Combine(_checkpoint, TrainCheckpoint.ModelFile), new Dictionary<string, string> { ["config"] = model.Config.ToJson() });
        ShapesTraining.Tokenizer.SaveOpenAiMerges(Path.Combine(_checkpoint, "tokenizer.txt"));
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void AnImageFolderIsEvaluatedAsTheLibraryEvaluatesItWithUnreadableImagesReported()
    {
        var folder = ImageFolderEvaluatorTests.WriteFolder(_dir);
        var templates = _dir.Write("templates.txt", "a photo of a {}.\nan image of a {}.\n"u8.ToArray());
        var run = CliRun.Of("eval", "--model", _checkpoint, "--image-folder", folder, "--templates", templates).Succeeded();

        using var model = ClipModel.Load(Path.Combine(_checkpoint, TrainCheckpoint.ModelFile));
        var expected = new ImageFolderEvaluator(folder, ShapesTraining.ImageSize, ShapesTraining.Tokenize, templates: ZeroShotTemplates.Load(templates)).Evaluate(model);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture,
            $"folder: top-1 {expected.Top1 * 100:F2}%  top-5 100.00%  (6 images, 3 classes; chance top-1 33.33%)"), run.Out);
        Assert.Contains("1 of 7 images could not be read", run.Err);
    }

    [Fact]
    public void TheBuiltInDataIsEvaluatedOnItsHeldOutAndSeenPairs()
    {
        var run = CliRun.Of("eval", "--model", Path.Combine(_checkpoint, TrainCheckpoint.ModelFile), "--data", "builtin", "--images", "32").Succeeded();
        Assert.Contains($"{ShapesZeroShotEvaluator.HeldOutName}: top-1 ", run.Out);
        Assert.Contains($"{ShapesZeroShotEvaluator.SeenName}: top-1 ", run.Out);
        Assert.Contains("(32 images, 64 classes; chance top-1 1.56%)", run.Out);
    }

    [Fact]
    public void EvalNeedsExactlyOneDataSource()
    {
        Assert.Contains("--data builtin and --image-folder", CliRun.Of("eval", "--model", _checkpoint).FailedWith(ClipEngine.Cli.ClipCli.UsageError));
        Assert.Contains("--data", CliRun.Of("eval", "--model", _checkpoint, "--data", "imagenet").FailedWith(ClipEngine.Cli.ClipCli.UsageError));
        Assert.Contains("--precision: expected fp32 or bf16", CliRun.Of("eval", "--model", _checkpoint, "--data", "builtin", "--precision", "fp16").FailedWith(ClipEngine.Cli.ClipCli.UsageError));
    }
}
