using ClipEngine.Clip.Tests.Tokenization;

namespace ClipEngine.Clip.Tests.Inference;

public class ZeroShotTemplatesTests
{
    [Fact]
    public void Load_SkipsBlankAndCommentLines()
    {
        using var directory = new TempDirectory();
        var path = directory.File("templates.txt");
        File.WriteAllText(path, "# ImageNet style\na photo of a {}.\n\n  a sketch of the {}.  \r\n");

        Assert.Equal(["a photo of a {}.", "a sketch of the {}."], ZeroShotTemplates.Load(path));
    }

    [Fact]
    public void Load_LineWithoutPlaceholder_NamesFileAndLine()
    {
        using var directory = new TempDirectory();
        var path = directory.File("templates.txt");
        File.WriteAllText(path, "a photo of a {}.\na photo\n");

        var e = Assert.Throws<FormatException>(() => ZeroShotTemplates.Load(path));

        Assert.StartsWith($"{path}:2:", e.Message);
    }

    [Fact]
    public void Format_ReplacesEveryPlaceholder() =>
        Assert.Equal("a cat next to a cat.", ZeroShotTemplates.Format("a {} next to a {}.", "cat"));
}
