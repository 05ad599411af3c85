using ClipEngine.Clip.Tests.Preprocessing;
using ClipEngine.Clip.Training;
using SixLabors.ImageSharp.PixelFormats;

namespace ClipEngine.Clip.Tests.Training;

public sealed class ImageFolderEvaluatorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Folders "blue_thing", "green_thing", "red_thing" of solid images, two each, and one corrupt file in "red_thing".</summary>
    internal static string WriteFolder(TempDirectory dir)
    {
        (string Name, Rgb24 Color)[] classes = [("red_thing", new Rgb24(220, 30, 30)), ("green_thing", new Rgb24(30, 200, 40)), ("blue_thing", new Rgb24(20, 40, 210))];
        foreach (var (name, color) in classes)
        {
            Directory.CreateDirectory(Path.Combine(dir.Path, "folder", name));
            for (var i = 0; i < 2; i++)
                dir.Write(Path.Combine("folder", name, $"{i}.png"), TestImages.Png(TestImages.Fill(20 + i, 20, (_, _) => color)));
        }
        dir.Write(Path.Combine("folder", "red_thing", "broken.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        dir.Write(Path.Combine("folder", "red_thing", "notes.txt"), "not an image"u8.ToArray());
        return Path.Combine(dir.Path, "folder");
    }

    [Fact]
    public void ClassesAreTheSortedFoldersWithUnderscoresAsSpacesAndOnlyImagesCount()
    {
        var evaluator = new ImageFolderEvaluator(WriteFolder(_dir), 16, ShapesTraining.Tokenize);
        Assert.Equal(["blue thing", "green thing", "red thing"], evaluator.ClassNames);
        Assert.Equal(7, evaluator.ImageCount);
        Assert.Equal(1.0 / 3, evaluator.ChanceLevel);
    }

    [Fact]
    public void AModelIsEvaluatedOnTheReadableImagesAndTheUnreadableAreCounted()
    {
        var evaluator = new ImageFolderEvaluator(WriteFolder(_dir), ShapesTraining.ImageSize, ShapesTraining.Tokenize, templates: ["a {}.", "a photo of a {}."], batchSize: 4);
        using var model = ClipModel.FromConfig(ShapesTraining.Config, seed: 1);
        var result = evaluator.Evaluate(model);
        Assert.Equal(6, result.Samples);
        Assert.Equal(3, result.Classes);
        Assert.Equal(1, evaluator.Unreadable);
        // With three classes every label is among the top five; top-1 is a multiple of one sixth.
        Assert.Equal(1.0, result.Top5);
        Assert.Equal(Math.Round(result.Top1 * 6), result.Top1 * 6, 9);
    }

    [Fact]
    public void ANamesFileGivesTheNamesAndMustHaveOnePerFolder()
    {
        var folder = WriteFolder(_dir);
        var names = _dir.Write("names.txt", "# classes\nazure\nemerald\n\ncrimson\n"u8.ToArray());
        Assert.Equal(["azure", "emerald", "crimson"], new ImageFolderEvaluator(folder, 16, ShapesTraining.Tokenize, names).ClassNames);

        var tooFew = _dir.Write("few.txt", "azure\nemerald\n"u8.ToArray());
        var error = Assert.Throws<FormatException>(() => new ImageFolderEvaluator(folder, 16, ShapesTraining.Tokenize, tooFew));
        Assert.Contains("few.txt", error.Message);
        Assert.Contains("2 class names for 3 class folders", error.Message);
    }

    [Fact]
    public void AFolderWithoutClassFoldersIsAClearError()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "empty"));
        var error = Assert.Throws<InvalidDataException>(() => new ImageFolderEvaluator(Path.Combine(_dir.Path, "empty"), 16, ShapesTraining.Tokenize));
        Assert.Contains("no class folders", error.Message);
    }
}
