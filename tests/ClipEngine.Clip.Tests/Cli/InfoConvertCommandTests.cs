using System.Globalization;
using ClipEngine.Clip.Tests.Inference;
using ClipEngine.Clip.Tests.Tokenization;
using ClipEngine.IO;

namespace ClipEngine.Clip.Tests.Cli;

public class InfoConvertCommandTests
{
    [Fact]
    public void Info_WithModel_ReportsFormatParametersDeviceAndComputeDevices()
    {
        var run = CliRun.Of("info", "--model", TinyClip.WeightsPath).Succeeded();

        using var model = ClipModel.Load(TinyClip.WeightsPath);
        Assert.Contains("OpenAiSafeTensors", run.Out);
        Assert.Contains($"parameters: {model.ParameterCount().ToString("N0", CultureInfo.InvariantCulture)}", run.Out);
        Assert.Contains("\"eot_token\": 999", run.Out);
        Assert.Contains("device: cpu", run.Out);
        Assert.Contains($"cpu: {Environment.ProcessorCount} logical cores", run.Out);
        Assert.Contains("cuda:", run.Out);
    }

    [Fact]
    public void Info_WithoutModel_ReportsOnlyComputeDevices()
    {
        var run = CliRun.Of("info").Succeeded();

        Assert.StartsWith("compute devices:", run.Out);
    }

    [Fact]
    public void Convert_ToHuggingFaceAndBack_EmbedsIdentically()
    {
        using var directory = new TempDirectory();
        var hf = directory.File("model.safetensors");
        var back = directory.File("openai.safetensors");

        CliRun.Of("convert", "--model", TinyClip.WeightsPath, "--output", hf, "--to", "hf").Succeeded();
        CliRun.Of("convert", "--model", hf, "--output", back).Succeeded();

        Assert.True(File.Exists(directory.File("config.json")));
        Assert.Equal(Embed(directory, TinyClip.WeightsPath), Embed(directory, hf));
        Assert.Equal(Embed(directory, TinyClip.WeightsPath), Embed(directory, back));
    }

    [Fact]
    public void Convert_ToBFloat16_StoresBf16WeightsThatStillLoad()
    {
        using var directory = new TempDirectory();
        var output = directory.File("tiny-bf16.safetensors");

        CliRun.Of("convert", "--model", TinyClip.WeightsPath, "--output", output, "--dtype", "bf16").Succeeded();

        using (var file = SafeTensorsFile.Open(output))
            Assert.Equal(DType.BF16, file["visual.proj"].DType);
        using var model = ClipModel.Load(output);
        Assert.Equal(999, model.Config.Text.EotTokenId);
    }

    [Fact]
    public void Convert_HuggingFaceWithHalfPrecision_IsAUsageError() =>
        CliRun.Of("convert", "--model", TinyClip.WeightsPath, "--output", "x.safetensors", "--to", "hf", "--dtype", "f16").FailedWith(2);

    [Fact]
    public void UnknownVerb_IsAUsageError()
    {
        var error = CliRun.Of("summarize", "--model", TinyClip.WeightsPath).FailedWith(2);

        Assert.Contains("summarize", CliRun.Of("summarize").Err);
        Assert.StartsWith("clip: ", error);
    }

    [Fact]
    public void UnknownDtype_IsAUsageError() =>
        CliRun.Of("convert", "--model", TinyClip.WeightsPath, "--output", "x.safetensors", "--dtype", "f8").FailedWith(2);

    private static float[] Embed(TempDirectory directory, string model)
    {
        var output = directory.File("features.safetensors");
        CliRun.Of("embed", "--model", model, "--images-tensor", TinyClip.GoldensPath + ":input.images", "--tokens-tensor", TinyClip.GoldensPath + ":input.tokens", "--output", output).Succeeded();
        var features = SafeTensors.Load(output);
        float[] all = [.. features["image_features"].ToArray(), .. features["text_features"].ToArray()];
        foreach (var t in features.Values) t.Dispose();
        return all;
    }
}
