using ClipEngine.Clip.Data;

namespace ClipEngine.Clip.Tests.Data;

public class HeldOutTests
{
    private static readonly ShapesDataset Dataset = new(new ShapesOptions { ImageSize = 16, Seed = 42 });

    [Fact]
    public void AboutAFifthOfPairsAreHeldOutAndEveryColourAndShapeKeepsPartners()
    {
        var pairs = HeldOutPairs.All;
        Assert.Equal(pairs.Count, pairs.Distinct().Count());
        Assert.InRange(pairs.Count / 64.0, 0.18, 0.22);
        Assert.All(Colors.All, c => Assert.InRange(pairs.Count(p => p.Color == c), 0, 2));
        Assert.All(Shapes.All, s => Assert.InRange(pairs.Count(p => p.Shape == s), 0, 2));
        Assert.Equal(64 - pairs.Count, HeldOutPairs.Seen.Count);
    }

    [Fact]
    public void TwentyThousandTrainingSamplesShowNoHeldOutPairButEveryColourAndShape()
    {
        var objects = Enumerable.Range(0, 20_000).SelectMany(i => Dataset.Scene(i).Objects).ToArray();
        Assert.DoesNotContain(objects, o => HeldOutPairs.Contains(o.Color, o.Shape));
        Assert.Equal(Colors.All, objects.Select(o => o.Color).Distinct().Order());
        Assert.Equal(Shapes.All, objects.Select(o => o.Shape).Distinct().Order());
        Assert.Equal(HeldOutPairs.Seen.Count, objects.Select(o => (o.Color, o.Shape)).Distinct().Count());
    }

    [Fact]
    public void TrainingCaptionsNeverNameAHeldOutPair()
    {
        var heldOutNames = HeldOutPairs.All.Select(p => $"{Colors.Name(p.Color)} {Shapes.Name(p.Shape)}").ToArray();
        var captions = Dataset.CaptionCorpus(20_000);
        Assert.DoesNotContain(captions, c => heldOutNames.Any(n => c.Contains(n, StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EvalSetsHoldOnlyTheRequestedPairs(bool heldOut)
    {
        var zeroShot = Dataset.ZeroShot;
        var set = zeroShot.EvalSet(heldOut, 400);
        Assert.Equal(400, set.Count);
        Assert.Equal(400 * 3 * 16 * 16, set.Images.Length);
        var expected = heldOut ? zeroShot.HeldOutClasses : zeroShot.SeenClasses;
        Assert.All(set.Labels, l => Assert.Contains(l, expected));
        Assert.Equal(expected.Order(), set.Labels.Distinct().Order());
        Assert.Equal(set.Labels, zeroShot.EvalSet(heldOut, 400).Labels);
        Assert.Equal(set.Images, new ShapesDataset(Dataset.Options).ZeroShot.EvalSet(heldOut, 400).Images);
        Assert.NotEqual(Dataset.Get(0).Image, set.Images.AsSpan(0, 3 * 16 * 16).ToArray());
    }

    [Fact]
    public void ClassesAreAllColourShapePairsWithPromptsAndChance()
    {
        var zeroShot = Dataset.ZeroShot;
        Assert.Equal(64, zeroShot.ClassCount);
        Assert.Equal(1.0 / 64, zeroShot.ChanceLevel);
        Assert.Equal("red circle", zeroShot.ClassNames[0]);
        var orangeStar = ShapesZeroShot.ClassIndex(ShapeColor.Orange, ShapeKind.Star);
        Assert.Equal("orange star", zeroShot.ClassNames[orangeStar]);
        Assert.Equal((ShapeColor.Orange, ShapeKind.Star), zeroShot.Classes[orangeStar]);
        Assert.Contains("a photo of an orange star.", zeroShot.Prompts(orangeStar));
        Assert.Equal(zeroShot.Templates.Count, zeroShot.Prompts(orangeStar).Count);
        Assert.Equal(64, zeroShot.ClassNames.Distinct().Count());
        Assert.Equal(64, zeroShot.HeldOutClasses.Count + zeroShot.SeenClasses.Count);
        Assert.Empty(zeroShot.HeldOutClasses.Intersect(zeroShot.SeenClasses));
    }

    [Fact]
    public void EveryWordOfEveryPromptOccursInTrainingCaptions()
    {
        var zeroShot = Dataset.ZeroShot;
        var vocabulary = Dataset.CaptionCorpus(5000).SelectMany(Words).ToHashSet();
        var promptWords = Enumerable.Range(0, zeroShot.ClassCount).SelectMany(zeroShot.Prompts).SelectMany(Words).ToHashSet();
        Assert.Empty(promptWords.Except(vocabulary));
    }

    private static IEnumerable<string> Words(string text) => text.Replace(".", " .", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
