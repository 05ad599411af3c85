using ClipEngine.Clip.Data;

namespace ClipEngine.Clip.Tests.Data.Readers;

public class ShardPatternTests
{
    [Fact]
    public void ZeroPaddedRange_KeepsItsWidth()
    {
        var shards = ShardPattern.Expand("/data/shard-{00000..00099}.tar");
        Assert.Equal(100, shards.Count);
        Assert.Equal("/data/shard-00000.tar", shards[0]);
        Assert.Equal("/data/shard-00042.tar", shards[42]);
        Assert.Equal("/data/shard-00099.tar", shards[^1]);
    }

    [Theory]
    [InlineData("s{8..11}", new[] { "s8", "s9", "s10", "s11" })]
    [InlineData("s{08..11}", new[] { "s08", "s09", "s10", "s11" })]
    [InlineData("s{3..1}", new[] { "s3", "s2", "s1" })]
    [InlineData("s{-1..1}", new[] { "s-1", "s0", "s1" })]
    [InlineData("{a,b,c}.tar", new[] { "a.tar", "b.tar", "c.tar" })]
    [InlineData("{a,b}-{1..2}", new[] { "a-1", "a-2", "b-1", "b-2" })]
    [InlineData("x{a,b{1..2}}", new[] { "xa", "xb1", "xb2" })]
    [InlineData("{,x}y", new[] { "y", "xy" })]
    [InlineData("a.tar::b/{0..1}.tar::c.tar", new[] { "a.tar", "b/0.tar", "b/1.tar", "c.tar" })]
    [InlineData("plain.tar", new[] { "plain.tar" })]
    public void Expands_LikeBraceexpand(string pattern, string[] expected) => Assert.Equal(expected, ShardPattern.Expand(pattern));

    [Theory]
    [InlineData("s{0..3.tar")]
    [InlineData("s0..3}.tar")]
    [InlineData("s{abc}.tar")]
    [InlineData("a.tar::::b.tar")]
    [InlineData("s{0..99999999}")]
    [InlineData("s{0..999}{0..999}{0..9}")]
    public void Malformed_OrTooLarge_IsAnError(string pattern)
    {
        var e = Assert.Throws<ArgumentException>(() => ShardPattern.Expand(pattern));
        Assert.Contains("pattern", e.Message);
    }
}
