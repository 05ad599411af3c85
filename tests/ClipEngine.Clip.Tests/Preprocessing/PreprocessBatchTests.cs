namespace ClipEngine.Clip.Tests.Preprocessing;

public class PreprocessBatchTests
{
    private static string[] WriteImages(TempDirectory dir, int count) =>
        [.. Enumerable.Range(0, count).Select(i => dir.Write($"img{i}.png", TestImages.Png(TestImages.Noise(20 + 3 * i, 30 - i, seed: 100 + i))))];

    [Fact]
    public void OneBadFile_YieldsTheOthersAndOneError()
    {
        using var dir = new TempDirectory();
        var good = WriteImages(dir, 3);
        var png = File.ReadAllBytes(good[0]);
        var bad = dir.Write("truncated.png", png[..(png.Length / 2)]);
        string[] paths = [good[0], bad, good[1], good[2]];
        var preprocessor = new ImagePreprocessor(12);

        using var batch = preprocessor.PreprocessBatch(paths);

        Assert.Equal([3, 3, 12, 12], batch.Images.Shape);
        Assert.Equal([0, null, 1, 2], batch.Files.Select(f => f.BatchIndex));
        Assert.Equal(paths, batch.Files.Select(f => f.Path));
        var error = Assert.Single(batch.Errors);
        Assert.Equal(bad, error.FileName);
        Assert.Contains("truncated PNG", error.Reason);
        Assert.False(batch.Files[1].Succeeded);

        var rows = batch.Images.ToArray();
        for (var i = 0; i < 3; i++)
        {
            using var single = preprocessor.Preprocess(good[i]);
            Assert.Equal(single.ToArray(), rows.AsSpan(i * 432, 432).ToArray());
        }
    }

    [Fact]
    public void ThrowOnFirstFailure_ThrowsTheFileError()
    {
        using var dir = new TempDirectory();
        var good = WriteImages(dir, 2);
        var empty = dir.Write("empty.jpg", []);
        var e = Assert.Throws<ImageLoadException>(() => new ImagePreprocessor(12).PreprocessBatch([good[0], empty, good[1]], throwOnFirstFailure: true));
        Assert.Equal(empty, e.FileName);
    }

    [Fact]
    public void Parallel_EqualsSequential()
    {
        using var dir = new TempDirectory();
        var paths = WriteImages(dir, 9);
        using var parallel = new ImagePreprocessor(16) { MaxDegreeOfParallelism = 4 }.PreprocessBatch(paths);
        using var sequential = new ImagePreprocessor(16) { MaxDegreeOfParallelism = 1 }.PreprocessBatch(paths);
        Assert.Equal([9, 3, 16, 16], parallel.Images.Shape);
        Assert.Equal(sequential.Images.ToArray(), parallel.Images.ToArray());
    }

    [Fact]
    public void AllFilesBad_GivesAnEmptyBatch()
    {
        using var dir = new TempDirectory();
        using var batch = new ImagePreprocessor(8).PreprocessBatch([dir.Write("a.png", [1, 2, 3]), Path.Combine(dir.Path, "missing.png")]);
        Assert.Equal([0, 3, 8, 8], batch.Images.Shape);
        Assert.Equal(2, batch.Errors.Count);
    }
}
