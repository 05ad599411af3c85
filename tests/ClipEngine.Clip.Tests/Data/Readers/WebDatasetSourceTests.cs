using System.Text;
using ClipEngine.Clip.Data;
using ClipEngine.Clip.Tests.Preprocessing;

namespace ClipEngine.Clip.Tests.Data.Readers;

public class WebDatasetSourceTests
{
    private static readonly WebDatasetOptions InOrder = new() { ShuffleShards = false, ShuffleBufferSize = 0 };

    /// <summary>Shards shard-0.tar … with samples numbered consecutively; the image bytes are a stand-in (the source does not decode).</summary>
    private static string WriteShards(TempDirectory dir, int shards, int perShard)
    {
        for (var s = 0; s < shards; s++)
        {
            var tar = new TarBuilder();
            for (var i = s * perShard; i < (s + 1) * perShard; i++)
                tar.File($"s{i:D4}.jpg", Encoding.ASCII.GetBytes($"image {i}")).File($"s{i:D4}.txt", $"caption {i}\n");
            tar.End().WriteTo(Path.Combine(dir.Path, $"shard-{s}.tar"));
        }
        return Path.Combine(dir.Path, $"shard-{{0..{shards - 1}}}.tar");
    }

    private static List<string> Captions(WebDatasetSource source, ulong seed, int epoch, long skip = 0) =>
        [.. source.ReadEpoch(seed, epoch, skip).Select(s => s.Caption)];

    private static IEnumerable<string> AllCaptions(int count) => Enumerable.Range(0, count).Select(i => $"caption {i}");

    [Fact]
    public void InOrder_YieldsEverySampleGroupedByKey()
    {
        using var dir = new TempDirectory();
        var source = new WebDatasetSource(WriteShards(dir, 3, 4), InOrder);
        var samples = source.ReadEpoch(0, 0, 0).ToList();
        Assert.Equal(AllCaptions(12), samples.Select(s => s.Caption));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), samples.Select(s => s.Index));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"image {i}"), samples.Select(s => Encoding.ASCII.GetString(s.ImageBytes!)));
        Assert.Equal(Path.Combine(dir.Path, "shard-1.tar") + "/s0005.jpg", samples[5].Name);
        Assert.Equal(12, source.Counters.SamplesRead);
        Assert.Equal(0, source.Counters.TotalSkipped);
    }

    [Fact]
    public void KeysSplitAtTheFirstDotOfTheBaseName_AndPreferJpg()
    {
        using var dir = new TempDirectory();
        var path = new TarBuilder()
            .File("dir.v2/a.PNG", "png bytes").File("dir.v2/a.jpg", "jpg bytes").File("dir.v2/a.txt", "first").File("dir.v2/a.json", "{}")
            .File("dir.v2/b.seg.jpg", "not the image").File("dir.v2/b.webp", "webp bytes").File("dir.v2/b.txt", "second")
            .End().WriteTo(Path.Combine(dir.Path, "k.tar"));
        var samples = new WebDatasetSource(path, InOrder).ReadEpoch(0, 0, 0).ToList();
        Assert.Equal(["first", "second"], samples.Select(s => s.Caption));
        Assert.Equal("jpg bytes", Encoding.ASCII.GetString(samples[0].ImageBytes!));
        Assert.Equal("webp bytes", Encoding.ASCII.GetString(samples[1].ImageBytes!));
        Assert.EndsWith("k.tar/dir.v2/a.jpg", samples[0].Name);
        Assert.Equal(("dir.v2/b", "seg.jpg"), WebDatasetShardReader.SplitKey("dir.v2/b.seg.jpg"));
        Assert.Equal(("x", "png"), WebDatasetShardReader.SplitKey("x.PNG"));
        Assert.Null(WebDatasetShardReader.SplitKey("dir.v2/noextension"));
        Assert.Null(WebDatasetShardReader.SplitKey(".hidden"));
    }

    [Fact]
    public void CorruptSamplesAndBadMembers_AreSkippedAndCounted_NeverFatal()
    {
        using var dir = new TempDirectory();
        var path = new TarBuilder()
            .File("ok1.jpg", "i").File("ok1.txt", "first")
            .File("nocap.jpg", "i")
            .File("noimg.txt", "lonely caption")
            .File("badutf.jpg", "i").File("badutf.txt", [0x61, 0xC3, 0x28, 0x62])
            .File("blank.jpg", "i").File("blank.txt", " \n\t")
            .File("../../etc/x.txt", "traversal").File("/abs/y.txt", "absolute")
            .Entry("link.jpg", '2', [], linkName: "/etc/shadow").File("link.txt", "linked image")
            .File("huge.jpg", new byte[5000]).File("huge.txt", "too big")
            .File("longcap.jpg", "i").File("longcap.txt", new string('w', 300))
            .Entry("dev.txt", '3', [])
            .File("ok2.jpg", "i").File("ok2.txt", "second")
            .End().WriteTo(Path.Combine(dir.Path, "bad.tar"));
        var options = InOrder with { Limits = new TarLimits { MaxMemberBytes = 4096 }, MaxCaptionBytes = 200 };
        var source = new WebDatasetSource(path, options);
        Assert.Equal(["first", "second"], Captions(source, 0, 0));
        var c = source.Counters;
        Assert.Equal(2, c.SamplesRead);
        Assert.Equal(2, c.Skipped(SkipReason.MissingCaption));
        Assert.Equal(1, c.Skipped(SkipReason.MissingImage));
        Assert.Equal(1, c.Skipped(SkipReason.InvalidCaptionEncoding));
        Assert.Equal(2, c.Skipped(SkipReason.UnsafeMemberName));
        Assert.Equal(2, c.Skipped(SkipReason.NonRegularEntry));
        Assert.Equal(2, c.Skipped(SkipReason.OversizedMember));
        Assert.Equal(0, c.Skipped(SkipReason.DamagedShard));
        Assert.Contains("'/abs/y.txt'", c.LastMessage(SkipReason.UnsafeMemberName));
        Assert.Contains("bad.tar", c.LastMessage(SkipReason.OversizedMember));
    }

    [Fact]
    public void TruncatedShard_IsAnErrorNamingShardAndOffset_OrSkippedWhenAskedTo()
    {
        using var dir = new TempDirectory();
        var pattern = WriteShards(dir, 3, 4);
        var shard1 = Path.Combine(dir.Path, "shard-1.tar");
        var bytes = File.ReadAllBytes(shard1);
        File.WriteAllBytes(shard1, bytes[..(512 * 9 + 100)]);

        var strict = new WebDatasetSource(pattern, InOrder);
        var e = Assert.Throws<TarFormatException>(() => strict.ReadEpoch(0, 0, 0).ToList());
        Assert.Equal(shard1, e.ArchiveName);
        Assert.Equal(512 * 8, e.Offset);

        var lenient = new WebDatasetSource(pattern, InOrder with { SkipDamagedShards = true });
        var captions = Captions(lenient, 0, 0);
        // shard-1's first two samples (members at 0 … 4095) are whole; the third is cut in its image.
        Assert.Equal(AllCaptions(6).Concat(AllCaptions(12).Skip(8)), captions);
        Assert.Equal(1, lenient.Counters.Skipped(SkipReason.DamagedShard));
        Assert.Contains("shard-1.tar", lenient.Counters.LastMessage(SkipReason.DamagedShard));
    }

    [Fact]
    public void MissingShard_IsAnError()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<FileNotFoundException>(() => new WebDatasetSource(Path.Combine(dir.Path, "x-{0..2}.tar")));
        Assert.Contains("x-0.tar", e.Message);
    }

    [Fact]
    public void ShuffledShardsAndBuffer_AreFixedBySeed_DifferAcrossEpochs_AndKeepEverySampleOnce()
    {
        using var dir = new TempDirectory();
        var source = new WebDatasetSource(WriteShards(dir, 5, 8), new WebDatasetOptions { ShuffleBufferSize = 10 });
        var epoch0 = Captions(source, 3, 0);
        Assert.Equal(AllCaptions(40).Order(), epoch0.Order());
        Assert.Equal(epoch0, Captions(source, 3, 0));
        Assert.NotEqual(epoch0, Captions(source, 3, 1));
        Assert.NotEqual(epoch0, Captions(source, 4, 0));
        Assert.NotEqual(AllCaptions(40), epoch0);
        Assert.Equal(epoch0.Skip(13), Captions(source, 3, 0, skip: 13));
        Assert.Equal(Enumerable.Range(13, 27).Select(i => (long)i), source.ReadEpoch(3, 0, 13).Select(s => s.Index));
    }

    [Fact]
    public void ShardOrder_IsAPermutationPerEpoch()
    {
        using var dir = new TempDirectory();
        var source = new WebDatasetSource(WriteShards(dir, 6, 1));
        var orders = Enumerable.Range(0, 4).Select(e => source.ShardOrder(9, e).ToList()).ToList();
        Assert.All(orders, o => Assert.Equal(source.Shards.Order(), o.Order()));
        Assert.True(orders.Distinct(new SequenceComparer()).Count() > 1);
        Assert.Equal(orders[2], source.ShardOrder(9, 2));
    }

    [Fact]
    public void Resampling_DrawsShardsWithReplacement_Deterministically()
    {
        using var dir = new TempDirectory();
        var source = new WebDatasetSource(WriteShards(dir, 4, 3), new WebDatasetOptions { Resample = true, SamplesPerEpoch = 600, ShuffleBufferSize = 0 });
        var draws = source.ShardOrder(5, 0).Take(400).ToList();
        Assert.Equal(draws, source.ShardOrder(5, 0).Take(400));
        Assert.NotEqual(draws, source.ShardOrder(5, 1).Take(400));
        // With replacement: some shard recurs within any 4 draws somewhere, and every shard is drawn about 100 ± 4σ (σ = √75) times.
        Assert.Contains(Enumerable.Range(0, 397), i => draws.Skip(i).Take(4).Distinct().Count() < 4);
        Assert.All(source.Shards, s => Assert.InRange(draws.Count(d => d == s), 100 - 35, 100 + 35));

        var samples = source.ReadEpoch(5, 0, 0).ToList();
        Assert.Equal(600, samples.Count);
        Assert.Equal(draws.Take(200).SelectMany(ShardCaptions), samples.Select(s => s.Caption));
    }

    [Fact]
    public void Resampling_WithNoUsableSample_FailsInsteadOfLoopingForever()
    {
        using var dir = new TempDirectory();
        var path = new TarBuilder().File("x.txt", "caption without image").End().WriteTo(Path.Combine(dir.Path, "e.tar"));
        var source = new WebDatasetSource(path, new WebDatasetOptions { Resample = true });
        Assert.Throws<InvalidDataException>(() => source.ReadEpoch(0, 0, 0).First());
    }

    private static IEnumerable<string> ShardCaptions(string shard)
    {
        var s = int.Parse(Path.GetFileNameWithoutExtension(shard)["shard-".Length..]);
        return Enumerable.Range(s * 3, 3).Select(i => $"caption {i}");
    }

    private sealed class SequenceComparer : IEqualityComparer<List<string>>
    {
        public bool Equals(List<string>? x, List<string>? y) => x!.SequenceEqual(y!);

        public int GetHashCode(List<string> obj) => string.Join("|", obj).GetHashCode();
    }
}
