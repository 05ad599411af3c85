using BclTar = System.Formats.Tar;
using System.Text;
using ClipEngine.Clip.Data;

namespace ClipEngine.Clip.Tests.Data.Readers;

public class TarReaderTests
{
    private static List<(TarEntry Entry, byte[]? Data)> ReadAll(byte[] archive, TarLimits? limits = null, string name = "test.tar")
    {
        var reader = new TarReader(new MemoryStream(archive), name, limits);
        var result = new List<(TarEntry, byte[]?)>();
        while (reader.Next() is { } entry) result.Add((entry, entry.IsUsableFile ? reader.ReadData() : null));
        return result;
    }

    [Fact]
    public void RegularMembers_ComeOutInOrderWithTheirData()
    {
        var big = Enumerable.Range(0, 1500).Select(i => (byte)(i * 7)).ToArray();
        var archive = new TarBuilder().File("a/0001.txt", "hello").File("a/0001.jpg", big).File("empty.txt", []).End().ToArray();
        var entries = ReadAll(archive);
        Assert.Equal(["a/0001.txt", "a/0001.jpg", "empty.txt"], entries.Select(e => e.Entry.Name));
        Assert.Equal("hello"u8.ToArray(), entries[0].Data);
        Assert.Equal(big, entries[1].Data);
        Assert.Empty(entries[2].Data!);
        Assert.Equal([0L, 1024L, 3072L], entries.Select(e => e.Entry.HeaderOffset));
    }

    [Fact]
    public void UnreadData_IsSkipped_OnSeekableAndForwardOnlyStreams()
    {
        var archive = new TarBuilder().File("skip.bin", new byte[2000]).File("keep.txt", "kept").End().ToArray();
        foreach (var stream in new Stream[] { new MemoryStream(archive), new ForwardOnlyStream(archive, maxRead: 300) })
        {
            var reader = new TarReader(stream, "test.tar");
            Assert.Equal("skip.bin", reader.Next()!.Name);
            Assert.Equal("keep.txt", reader.Next()!.Name);
            Assert.Equal("kept"u8.ToArray(), reader.ReadData());
            Assert.Null(reader.Next());
        }
    }

    [Fact]
    public void LongNames_FromGnuPaxAndUstarPrefix_MatchTheBclWriter()
    {
        var longName = string.Join('/', Enumerable.Repeat("directory-name", 12)) + "/sample.txt";
        var ustarName = new string('p', 120) + "/" + new string('n', 90) + ".txt";
        var ours = new TarBuilder()
            .GnuLongName(longName, "gnu"u8.ToArray())
            .Pax(new Dictionary<string, string> { ["path"] = longName + ".pax", ["mtime"] = "1.5" }, "pax"u8.ToArray())
            .Entry(ustarName, '0', "ustar"u8.ToArray())
            .End().ToArray();
        Assert.Equal([longName, longName + ".pax", ustarName], ReadAll(ours).Select(e => e.Entry.Name));

        // The same long name written by .NET's own tar writer, in GNU and pax formats.
        foreach (var format in new[] { BclTar.TarEntryFormat.Gnu, BclTar.TarEntryFormat.Pax })
        {
            var stream = new MemoryStream();
            using (var writer = new BclTar.TarWriter(stream, format, leaveOpen: true))
            {
                BclTar.TarEntry Make(string name, string text) => format == BclTar.TarEntryFormat.Gnu
                    ? new BclTar.GnuTarEntry(BclTar.TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) }
                    : new BclTar.PaxTarEntry(BclTar.TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) };
                writer.WriteEntry(Make(longName, "first"));
                writer.WriteEntry(Make("short.txt", "second"));
            }
            var entries = ReadAll(stream.ToArray());
            Assert.Equal([longName, "short.txt"], entries.Select(e => e.Entry.Name));
            Assert.Equal(["first", "second"], entries.Select(e => Encoding.UTF8.GetString(e.Data!)));
        }
    }

    [Theory]
    [InlineData("../../etc/x.txt")]
    [InlineData("a/../../x.txt")]
    [InlineData("/etc/passwd")]
    [InlineData("\\windows\\x.txt")]
    [InlineData("C:/x.txt")]
    [InlineData("a\\..\\..\\x.txt")]
    public void TraversalAndAbsoluteNames_AreRejected(string name)
    {
        var entries = ReadAll(new TarBuilder().File(name, "x").File("fine.txt", "ok").End().ToArray());
        Assert.Equal(SkipReason.UnsafeMemberName, entries[0].Entry.Rejection);
        Assert.Null(entries[0].Data);
        Assert.True(entries[1].Entry.IsUsableFile);
        Assert.False(TarReader.IsSafeName(name));
    }

    [Theory]
    [InlineData("a..b.txt")]
    [InlineData("dir/..hidden.txt")]
    [InlineData("x/y/z.jpg")]
    public void NamesWithDotsThatStayInside_AreSafe(string name) => Assert.True(TarReader.IsSafeName(name));

    [Fact]
    public void NonRegularEntries_AreRejected_AndCarryNoData()
    {
        var archive = new TarBuilder()
            .Entry("link.txt", '2', [], linkName: "/etc/passwd")
            .Entry("hard.txt", '1', [], linkName: "other.txt")
            .Entry("dev", '3', [])
            .Entry("fifo", '6', [])
            .Entry("dir/", '5', [])
            .File("after.txt", "after")
            .End().ToArray();
        var entries = ReadAll(archive);
        Assert.Equal([TarEntryKind.SymbolicLink, TarEntryKind.HardLink, TarEntryKind.CharacterDevice, TarEntryKind.Fifo, TarEntryKind.Directory, TarEntryKind.Regular],
            entries.Select(e => e.Entry.Kind));
        Assert.All(entries.Take(4), e => Assert.Equal(SkipReason.NonRegularEntry, e.Entry.Rejection));
        Assert.Null(entries[4].Entry.Rejection);
        Assert.Equal("after"u8.ToArray(), entries[5].Data);
    }

    [Fact]
    public void OversizedMember_IsRejected_AndSkipped()
    {
        var archive = new TarBuilder().File("big.jpg", new byte[700]).File("small.txt", "s").End().ToArray();
        var entries = ReadAll(archive, new TarLimits { MaxMemberBytes = 600 });
        Assert.Equal(SkipReason.OversizedMember, entries[0].Entry.Rejection);
        Assert.Equal(700, entries[0].Entry.Size);
        Assert.Equal("s"u8.ToArray(), entries[1].Data);
        var reader = new TarReader(new MemoryStream(archive), "t.tar", new TarLimits { MaxMemberBytes = 600 });
        reader.Next();
        Assert.Throws<InvalidOperationException>(() => reader.ReadData());
    }

    [Fact]
    public void PaxSize_OverridesTheHeaderSize()
    {
        var data = Enumerable.Range(0, 600).Select(i => (byte)i).ToArray();
        var archive = new TarBuilder().Pax(new Dictionary<string, string> { ["path"] = "x.bin", ["size"] = "600" }, data, declaredSize: 0)
            .File("next.txt", "n").End().ToArray();
        var entries = ReadAll(archive);
        Assert.Equal(data, entries[0].Data);
        Assert.Equal("next.txt", entries[1].Entry.Name);
    }

    [Fact]
    public void OversizedExtendedHeader_IsAnError()
    {
        var archive = new TarBuilder().GnuLongName(new string('n', 3000), "x"u8.ToArray()).End().ToArray();
        var e = Assert.Throws<TarFormatException>(() => ReadAll(archive, new TarLimits { MaxExtendedHeaderBytes = 1000 }));
        Assert.Equal(0, e.Offset);
        Assert.Contains("GNU long name", e.Message);
    }

    [Fact]
    public void TruncatedInsideMemberData_NamesArchiveMemberAndOffset()
    {
        var builder = new TarBuilder().File("a.txt", "a");
        var offset = builder.Offset;
        var archive = builder.File("b.jpg", new byte[2000]).End().ToArray()[..(int)(offset + 512 + 700)];
        var reader = new TarReader(new MemoryStream(archive), "shard-7.tar");
        reader.Next();
        var b = reader.Next()!;
        var e = Assert.Throws<TarFormatException>(() => reader.ReadData());
        Assert.Equal("shard-7.tar", e.ArchiveName);
        Assert.Equal(offset, e.Offset);
        Assert.Contains("shard-7.tar", e.Message);
        Assert.Contains("b.jpg", e.Message);
        Assert.Contains(offset.ToString(), e.Message);
        Assert.Equal(2000, b.Size);
    }

    [Fact]
    public void TruncatedWhileSkipping_IsAnError_ForBothStreamKinds()
    {
        var archive = new TarBuilder().File("a.bin", new byte[2000]).End().ToArray()[..1000];
        foreach (var stream in new Stream[] { new MemoryStream(archive), new ForwardOnlyStream(archive, maxRead: 300) })
        {
            var reader = new TarReader(stream, "t.tar");
            reader.Next();
            Assert.Throws<TarFormatException>(() => reader.Next());
        }
    }

    [Fact]
    public void TruncatedInsideHeader_OrWithoutEndMarker_IsAnError()
    {
        var member = new TarBuilder().File("a.txt", "a").ToArray();
        var insideHeader = Assert.Throws<TarFormatException>(() => ReadAll([.. member, .. new byte[100]]));
        Assert.Equal(1024, insideHeader.Offset);
        Assert.Contains("100 bytes into a 512-byte header", insideHeader.Reason);
        var noEnd = Assert.Throws<TarFormatException>(() => ReadAll(member));
        Assert.Equal(1024, noEnd.Offset);
        Assert.Contains("end-of-archive", noEnd.Reason);
    }

    [Fact]
    public void BadChecksum_IsAnError()
    {
        var archive = new TarBuilder().File("a.txt", "a").Entry("b.txt", '0', "b"u8.ToArray(), corruptChecksum: true).End().ToArray();
        var e = Assert.Throws<TarFormatException>(() => ReadAll(archive));
        Assert.Equal(1024, e.Offset);
        Assert.Contains("checksum", e.Reason);
    }

    [Fact]
    public void NotATar_IsAnError()
    {
        var e = Assert.Throws<TarFormatException>(() => ReadAll(Enumerable.Repeat((byte)'A', 2048).ToArray()));
        Assert.Equal(0, e.Offset);
    }
}
