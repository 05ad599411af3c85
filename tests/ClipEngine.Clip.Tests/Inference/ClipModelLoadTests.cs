using ClipEngine.Clip.Tests.Model;
using ClipEngine.Clip.Tests.Tokenization;
using ClipEngine.Nn;

namespace ClipEngine.Clip.Tests.Inference;

public class ClipModelLoadTests
{
    [Fact]
    public void Load_GoldenSafeTensors_MatchesTheOriginalImplementation()
    {
        using var model = ClipModel.Load(TinyClip.WeightsPath);
        using var images = TinyClip.Golden("input.images");
        using var tokens = TinyClip.Golden("input.tokens");
        using var _ = Autograd.NoGrad();
        using var imageFeatures = model.EncodeImage(images);
        using var textFeatures = model.EncodeText(tokens);
        using var expectedImage = TinyClip.Golden("f64.image_features");
        using var expectedText = TinyClip.Golden("f64.text_features");

        Relative.Check("image_features", imageFeatures.ToArray(), expectedImage.ToArray<double>(), 1e-4);
        Relative.Check("text_features", textFeatures.ToArray(), expectedText.ToArray<double>(), 1e-4);
    }

    [Fact]
    public void Load_GoldenConvertedToHuggingFaceNaming_GivesBitwiseIdenticalFeatures()
    {
        using var directory = new TempDirectory();
        var converted = directory.File("model.safetensors");
        ClipCheckpoint.Convert(TinyClip.WeightsPath, converted, CheckpointFormat.HuggingFaceSafeTensors);
        using (var checkpoint = ClipCheckpoint.Read(converted))
            Assert.Equal(CheckpointFormat.HuggingFaceSafeTensors, checkpoint.Format);

        var (originalImage, originalText) = Features(TinyClip.WeightsPath);
        var (hfImage, hfText) = Features(converted);

        Assert.Equal(originalImage, hfImage);
        Assert.Equal(originalText, hfText);
    }

    [Fact]
    public void Load_ExplicitConfigFile_OverridesAndMatchesTheCheckpointsConfig()
    {
        using var directory = new TempDirectory();
        using var reference = ClipModel.Load(TinyClip.WeightsPath);
        var configPath = directory.File("tiny.json");
        reference.Config.Save(configPath);

        using var model = ClipModel.Load(TinyClip.WeightsPath, config: configPath);

        Assert.Equal(reference.Config, model.Config);
    }

    [Fact]
    public void Load_PresetThatDoesNotFitTheWeights_ListsTheMismatchedKeys()
    {
        var e = Assert.Throws<StateDictException>(() => ClipModel.Load(TinyClip.WeightsPath, config: "ViT-B-32"));

        Assert.Contains("visual.conv1.weight", e.Message);
    }

    [Fact]
    public void Load_UnknownConfig_NamesIt()
    {
        var e = Assert.Throws<ArgumentException>(() => ClipModel.Load(TinyClip.WeightsPath, config: "ViT-Q-99"));

        Assert.Contains("ViT-Q-99", e.Message);
    }

    [Fact]
    public void Load_MissingFile_NamesIt()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-clip-model.safetensors");

        var e = Assert.Throws<FileNotFoundException>(() => ClipModel.Load(path));

        Assert.Contains(path, e.Message);
    }

    private static (float[] Image, float[] Text) Features(string path)
    {
        using var model = ClipModel.Load(path);
        using var images = TinyClip.Golden("input.images");
        using var tokens = TinyClip.Golden("input.tokens");
        using var _ = Autograd.NoGrad();
        using var image = model.EncodeImage(images);
        using var text = model.EncodeText(tokens);
        return (image.ToArray(), text.ToArray());
    }
}
