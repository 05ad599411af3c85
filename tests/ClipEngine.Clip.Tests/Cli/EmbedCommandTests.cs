using System.Text.Json;
using ClipEngine.Clip.Tests.Inference;
using ClipEngine.Clip.Tests.Model;
using ClipEngine.Clip.Tests.Tokenization;
using ClipEngine.IO;

namespace ClipEngine.Clip.Tests.Cli;

public class EmbedCommandTests
{
    private static readonly string ImagesTensor = TinyClip.GoldensPath + ":input.images";
    private static readonly string TokensTensor = TinyClip.GoldensPath + ":input.tokens";

    [Fact]
    public void Embed_GoldenTensors_WritesTheGoldenFeaturesAsSafeTensors()
    {
        using var directory = new TempDirectory();
        var output = directory.File("features.safetensors");

        CliRun.Of("embed", "--model", TinyClip.WeightsPath, "--images-tensor", ImagesTensor, "--tokens-tensor", TokensTensor, "--batch-size", "3", "--output", output).Succeeded();

        var written = SafeTensors.Load(output);
        Assert.Equal(DType.F32, written["image_features"].DType);
        CheckAgainstGoldens(written["image_features"].ToArray(), written["text_features"].ToArray());
        foreach (var t in written.Values) t.Dispose();
    }

    [Fact]
    public void Embed_Bf16OnCuda_StaysWithinBf16OfTheGoldens()
    {
        using var directory = new TempDirectory();
        var output = directory.File("features.safetensors");
        _ = ClipCudaTestDevice.Device;

        CliRun.Of("embed", "--model", TinyClip.WeightsPath, "--images-tensor", ImagesTensor, "--tokens-tensor", TokensTensor,
            "--device", "cuda", "--precision", "bf16", "--output", output).Succeeded();

        var written = SafeTensors.Load(output);
        using var expectedImage = TinyClip.Golden("f64.image_features");
        using var expectedText = TinyClip.Golden("f64.text_features");
        Assert.InRange(Relative.Check("image_features", written["image_features"].ToArray(), expectedImage.ToArray<double>(), 3e-2), 1e-4, 3e-2);
        Assert.InRange(Relative.Check("text_features", written["text_features"].ToArray(), expectedText.ToArray<double>(), 3e-2), 1e-4, 3e-2);
        foreach (var t in written.Values) t.Dispose();

        var run = CliRun.Of("embed", "--model", TinyClip.WeightsPath, "--images-tensor", ImagesTensor, "--precision", "fp16", "--output", output);
        Assert.Contains("--precision: expected fp32 or bf16", run.FailedWith(2));
    }

    [Fact]
    public void Embed_JsonFormat_WritesTheGoldenFeaturesAsRows()
    {
        using var directory = new TempDirectory();
        var output = directory.File("features.out");

        CliRun.Of("embed", "--model", TinyClip.WeightsPath, "--images-tensor", ImagesTensor, "--tokens-tensor", TokensTensor, "--output", output, "--format", "json").Succeeded();

        using var json = JsonDocument.Parse(File.ReadAllText(output));
        float[] Flatten(string key) => [.. json.RootElement.GetProperty(key).EnumerateArray().SelectMany(row => row.EnumerateArray().Select(v => v.GetSingle()))];
        Assert.Equal(4, json.RootElement.GetProperty("image_features").GetArrayLength());
        CheckAgainstGoldens(Flatten("image_features"), Flatten("text_features"));
    }

    [Fact]
    public void Embed_ImageFilesAndTexts_MatchTheLibraryInInputOrder()
    {
        using var directory = new TempDirectory();
        string[] paths = [.. Enumerable.Range(0, 3).Select(i => TinyClip.WritePng(directory, $"image{i}.png", seed: 30 + i))];
        var vocab = directory.File("vocab.txt");
        TinyClip.Tokenizer.SaveOpenAiMerges(vocab);
        var output = directory.File("features.safetensors");

        CliRun.Of("embed", "--model", TinyClip.WeightsPath, "--vocab", vocab, "--image", paths[2], "--image", paths[0], "--image", paths[1],
            "--text", "a red car", "--text", "a dog", "--batch-size", "2", "--output", output).Succeeded();

        using var pipeline = TinyClip.Pipeline();
        using var expectedImages = pipeline.EncodeImageFeatures([paths[2], paths[0], paths[1]]);
        using var expectedTexts = pipeline.EncodeTextFeatures(["a red car", "a dog"]);
        var written = SafeTensors.Load(output);
        Assert.Equal(expectedImages.ToArray(), written["image_features"].ToArray());
        Assert.Equal(expectedTexts.ToArray(), written["text_features"].ToArray());
        foreach (var t in written.Values) t.Dispose();
    }

    [Fact]
    public void Embed_CorruptImage_FailsNamingTheFileAndWritesNothing()
    {
        using var directory = new TempDirectory();
        var good = TinyClip.WritePng(directory, "good.png", seed: 1);
        var bad = directory.File("corrupt.png");
        File.WriteAllBytes(bad, [.. File.ReadAllBytes(good).Take(40)]);
        var output = directory.File("features.safetensors");

        var error = CliRun.Of("embed", "--model", TinyClip.WeightsPath, "--image", good, "--image", bad, "--output", output).FailedWith(1);

        Assert.Contains(bad, error);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Embed_WrongKeyInImagesTensor_NamesTheKeyAndTheOnesThereAre()
    {
        using var directory = new TempDirectory();

        var error = CliRun.Of("embed", "--model", TinyClip.WeightsPath, "--images-tensor", TinyClip.GoldensPath + ":input.pictures", "--output", directory.File("f.safetensors")).FailedWith(1);

        Assert.Contains("'input.pictures'", error);
        Assert.Contains("input.images", error);
    }

    [Fact]
    public void Embed_TensorOfTheWrongShape_NamesTheTensorReference()
    {
        using var directory = new TempDirectory();

        var error = CliRun.Of("embed", "--model", TinyClip.WeightsPath, "--images-tensor", TokensTensor, "--output", directory.File("f.safetensors")).FailedWith(1);

        Assert.Contains(TokensTensor, error);
        Assert.Contains("[4, 77]", error);
    }

    [Fact]
    public void Embed_MissingModelFile_NamesIt()
    {
        using var directory = new TempDirectory();
        var missing = directory.File("missing.safetensors");

        var error = CliRun.Of("embed", "--model", missing, "--images-tensor", ImagesTensor, "--output", directory.File("f.safetensors")).FailedWith(1);

        Assert.Contains(missing, error);
    }

    [Fact]
    public void Embed_TextWithoutVocab_IsAUsageError()
    {
        var error = CliRun.Of("embed", "--model", TinyClip.WeightsPath, "--text", "a dog", "--output", "f.safetensors").FailedWith(2);

        Assert.Contains("--vocab", error);
    }

    [Fact]
    public void Embed_Verbose_AddsTheStackTrace()
    {
        using var directory = new TempDirectory();

        var run = CliRun.Of("embed", "--model", directory.File("missing.pt"), "--images-tensor", ImagesTensor, "--output", directory.File("f.safetensors"), "--verbose");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("   at ", run.Err);
    }

    private static void CheckAgainstGoldens(float[] imageFeatures, float[] textFeatures)
    {
        using var expectedImage = TinyClip.Golden("f64.image_features");
        using var expectedText = TinyClip.Golden("f64.text_features");
        Relative.Check("image_features", imageFeatures, expectedImage.ToArray<double>(), 1e-4);
        Relative.Check("text_features", textFeatures, expectedText.ToArray<double>(), 1e-4);
    }
}
