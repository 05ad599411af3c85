using ClipEngine.Clip.Data;

namespace ClipEngine.Clip.Tests.Data;

public class ShapesDatasetTests
{
    [Fact]
    public void SameSeedAndIndexGiveTheSamePixelsAndCaption()
    {
        var a = new ShapesDataset(new ShapesOptions { ImageSize = 32, Seed = 7 });
        var b = new ShapesDataset(new ShapesOptions { ImageSize = 32, Seed = 7 });
        foreach (var index in new long[] { 0, 1, 977, 123_456_789_012 })
        {
            var x = a.Get(index);
            var y = b.Get(index);
            Assert.Equal(x.Image, y.Image);
            Assert.Equal(x.Caption, y.Caption);
            Assert.Equal(x.Objects, y.Objects);
            Assert.Equal(x.Scene.Caption, a.Scene(index).Caption);
        }
    }

    [Fact]
    public void DifferentSeedsAndIndicesGiveDifferentSamples()
    {
        var a = new ShapesDataset(new ShapesOptions { ImageSize = 32, Seed = 7 });
        var b = new ShapesDataset(new ShapesOptions { ImageSize = 32, Seed = 8 });
        var captionsA = Enumerable.Range(0, 50).Select(i => a.Get(i)).ToArray();
        var captionsB = Enumerable.Range(0, 50).Select(i => b.Get(i)).ToArray();
        for (var i = 0; i < 50; i++) Assert.NotEqual(captionsA[i].Image, captionsB[i].Image);
        Assert.True(captionsA.Zip(captionsB).Count(p => p.First.Caption != p.Second.Caption) > 40);
        Assert.Equal(50, captionsA.Select(s => string.Join(",", s.Image.Take(200))).Distinct().Count());
    }

    [Fact]
    public void ParallelBatchEqualsSerialSamples()
    {
        var parallel = new ShapesDataset(new ShapesOptions { ImageSize = 24, Seed = 3, MaxDegreeOfParallelism = 4 });
        var serial = new ShapesDataset(new ShapesOptions { ImageSize = 24, Seed = 3, MaxDegreeOfParallelism = 1 });
        const int count = 64, start = 1000;
        var images = new float[count * 3 * 24 * 24];
        var captions = new string[count];
        parallel.FillBatch(start, count, images, captions);
        var serialImages = new float[images.Length];
        var serialCaptions = new string[count];
        serial.FillBatch(start, count, serialImages, serialCaptions);
        Assert.Equal(serialImages, images);
        Assert.Equal(serialCaptions, captions);
        for (var i = 0; i < count; i++)
        {
            var sample = serial.Get(start + i);
            Assert.Equal(sample.Caption, captions[i]);
            Assert.Equal(sample.Image, images.AsSpan(i * sample.Image.Length, sample.Image.Length).ToArray());
        }
    }

    [Fact]
    public void GetBatchIsATensorOfTheFilledBatch()
    {
        using var scope = TensorScope.Begin();
        var dataset = new ShapesDataset(new ShapesOptions { ImageSize = 16, Seed = 5 });
        var (images, captions) = dataset.GetBatch(10, 3);
        Assert.Equal([3, 3, 16, 16], images.Shape);
        var expected = new float[3 * 3 * 16 * 16];
        var expectedCaptions = new string[3];
        dataset.FillBatch(10, 3, expected, expectedCaptions);
        Assert.Equal(expected, images.ToArray<float>());
        Assert.Equal(expectedCaptions, captions);
    }

    [Fact]
    public void NormalizedImagesAreRawImagesMinusClipMeanOverClipStd()
    {
        Assert.Equal([0.48145466f, 0.4578275f, 0.40821073f], ShapesDataset.Mean);
        Assert.Equal([0.26862954f, 0.26130258f, 0.27577711f], ShapesDataset.Std);
        double[] mean = [0.48145466, 0.4578275, 0.40821073], std = [0.26862954, 0.26130258, 0.27577711];
        var raw = new ShapesDataset(new ShapesOptions { ImageSize = 16, Seed = 2, Normalize = false }).Get(4).Image;
        var normalized = new ShapesDataset(new ShapesOptions { ImageSize = 16, Seed = 2 }).Get(4).Image;
        Assert.All(raw, v => Assert.InRange(v, 0f, 1f));
        for (var i = 0; i < raw.Length; i++)
        {
            var c = i / (16 * 16);
            Assert.Equal((raw[i] - mean[c]) / std[c], normalized[i], 5e-6);
        }
    }

    [Fact]
    public void ImagesHaveBothObjectCountsBackdropsAndNoiseLevels()
    {
        var dataset = new ShapesDataset(new ShapesOptions { ImageSize = 16, Seed = 11 });
        var scenes = Enumerable.Range(0, 2000).Select(i => dataset.Scene(i)).ToArray();
        Assert.InRange(scenes.Count(s => s.Objects.Count == 2), 900, 1100);
        Assert.InRange(scenes.Count(s => s.Background.Tone == Backdrop.Dark), 900, 1100);
        Assert.Equal(3, scenes.Select(s => s.Background.Noise).Distinct().Count());
        Assert.All(scenes.Where(s => s.Objects.Count == 2), s => Assert.NotEqual(s.Objects[0].Color, s.Objects[1].Color));
        Assert.Equal(Enum.GetValues<Placement>(), scenes.SelectMany(s => s.Objects).Select(o => o.Placement).Distinct().Order());
        Assert.Equal(2, scenes.SelectMany(s => s.Objects).Select(o => o.Size).Distinct().Count());
    }

    [Fact]
    public void CaptionsAreParaphrasedAndSometimesEndInAFullStop()
    {
        var dataset = new ShapesDataset(new ShapesOptions { Seed = 1 });
        var corpus = dataset.CaptionCorpus(3000).ToArray();
        Assert.InRange(corpus.Count(c => c.EndsWith('.')), 1300, 1700);
        Assert.Contains(corpus, c => c.StartsWith("a photo of ", StringComparison.Ordinal));
        Assert.Contains(corpus, c => c.Contains(" above ", StringComparison.Ordinal));
        Assert.Contains(corpus, c => c.Contains(" to the right of ", StringComparison.Ordinal));
        Assert.Contains(corpus, c => c.Contains(" that is ", StringComparison.Ordinal));
        Assert.Contains(corpus, c => c.StartsWith("an orange ", StringComparison.Ordinal));
        Assert.DoesNotContain(corpus, c => c.Contains("a orange", StringComparison.Ordinal));
        Assert.True(corpus.Distinct().Count() > 1000);
    }

    [Fact]
    public void InvalidOptionsAreNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => new ShapesDataset(new ShapesOptions { ImageSize = 4, Supersampling = 0 }));
        Assert.Contains("ImageSize", e.Message);
        Assert.Contains("Supersampling", e.Message);
        var dataset = new ShapesDataset(new ShapesOptions { ImageSize = 8 });
        Assert.Throws<ArgumentException>(() => dataset.FillBatch(0, 2, new float[10], new string[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.Get(-1));
    }
}
