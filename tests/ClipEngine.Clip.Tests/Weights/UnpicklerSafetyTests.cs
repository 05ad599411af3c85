using ClipEngine.Clip.Tests.Weights.Support;
using static ClipEngine.Clip.Tests.Weights.Support.TorchZip;

namespace ClipEngine.Clip.Tests.Weights;

public sealed class UnpicklerSafetyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clipengine-unpickler-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("os", "system")]
    [InlineData("posix", "system")]
    [InlineData("builtins", "eval")]
    [InlineData("__builtin__", "eval")]
    [InlineData("subprocess", "Popen")]
    [InlineData("torch", "load")]
    [InlineData("torch._utils", "_rebuild_tensor")]
    [InlineData("torch.serialization", "_get_layout")]
    [InlineData("__torchx__", "CLIP")]
    public void AnyOtherGlobalIsRejectedWhereItIsNamed(string module, string name)
    {
        var w = new PickleWriter().Proto();
        var at = w.Position;
        w.Global(module, name).Mark().Str("touch /tmp/pwned").Tuple().Reduce().Stop();
        var path = Archive(w);

        var error = Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(path));

        Assert.Contains($"'{module}.{name}' is not allowed", error.Message);
        Assert.StartsWith(path, error.Message);
        Assert.Equal("archive/data.pkl", error.Entry);
        Assert.Equal(at, error.Offset);
    }

    [Fact]
    public void StackGlobalOfProtocol4IsCheckedToo()
    {
        var w = new PickleWriter().Proto(4).StackGlobal("builtins", "exec").Mark().Str("print(1)").Tuple().Reduce().Stop();

        var error = Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(Archive(w)));

        Assert.Contains("'builtins.exec' is not allowed", error.Message);
    }

    [Fact]
    public void AllowedClassesAreNeverCalledAsFunctions()
    {
        var module = new PickleWriter().Proto().Global("__torch__.model", "CLIP").EmptyTuple().Reduce().Stop();
        var storage = new PickleWriter().Proto().Global("torch", "FloatStorage").Mark().Int(10).Tuple().Reduce().Stop();
        var withArguments = new PickleWriter().Proto().Global("__torch__.model", "CLIP").Mark().Str("x").Tuple().NewObj().Stop();

        Assert.Contains("'__torch__.model.CLIP' cannot be called", Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(Archive(module))).Message);
        Assert.Contains("'torch.FloatStorage' cannot be called", Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(Archive(storage))).Message);
        Assert.Contains("TorchScript objects take none", Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(Archive(withArguments))).Message);
    }

    [Fact]
    public void ViewReachingPastItsStorageIsRejected()
    {
        var w = new PickleWriter().Proto().EmptyDict().Mark();
        w.Str("w").Tensor([], "FloatStorage", "0", 6, 2, [2, 3], [3, 1]).SetItems().Stop();

        var error = Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(Archive(w, ("0", Floats(0, 1, 2, 3, 4, 5)))));

        Assert.Contains("reaches element 7 of storage '0', which has 6", error.Message);
    }

    [Fact]
    public void StorageEntryShorterThanDeclaredIsRejectedNamingTheEntry()
    {
        var w = new PickleWriter().Proto().EmptyDict().Mark();
        w.Str("w").Tensor([], "FloatStorage", "0", 4).SetItems().Stop();

        var error = Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(Archive(w, ("0", Floats(1, 2, 3)))));

        Assert.Equal("archive/data/0", error.Entry);
        Assert.Contains("holds 12 bytes", error.Message);
    }

    [Theory]
    [InlineData("5", "tensor 'w' uses storage '5', which has no entry")]
    [InlineData("../data.pkl", "storage key '../data.pkl' is not a plain entry name")]
    public void StorageKeyWithoutAnEntryInTheDataFolderIsRejected(string key, string expected)
    {
        var w = new PickleWriter().Proto().EmptyDict().Mark();
        w.Str("w").Tensor([], "FloatStorage", key, 1).SetItems().Stop();

        var error = Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(Archive(w)));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void UnknownOpcodeIsReportedWithItsOffset()
    {
        var w = new PickleWriter().Proto().EmptyDict();
        var at = w.Position;
        w.Raw(0xff).Stop();

        var error = Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(Archive(w)));

        Assert.Contains("opcode 0xff is not supported", error.Message);
        Assert.Equal(at, error.Offset);
    }

    [Fact]
    public void HugeStringLengthIsRejectedBeforeReading()
    {
        var w = new PickleWriter().Proto().Raw((byte)'X').UInt32(0xFFFF_FFF0).Stop();

        var error = Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(Archive(w)));

        Assert.Contains("string length 4294967280 exceeds the limit", error.Message);
    }

    [Fact]
    public void TruncatedPickleAndMissingStopAreReported()
    {
        var truncated = new PickleWriter().Proto().Raw((byte)'X').UInt32(100).Raw("abc"u8.ToArray());
        var noStop = new PickleWriter().Proto().EmptyDict();

        Assert.Contains("pickle is truncated", Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(Archive(truncated))).Message);
        Assert.Contains("without a STOP", Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(Archive(noStop))).Message);
    }

    [Fact]
    public void MemoReadBeforeWriteIsReported()
    {
        var w = new PickleWriter().Proto().BinGet(7).Stop();

        Assert.Contains("memo entry 7 is read before it is written", Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(Archive(w))).Message);
    }

    [Fact]
    public void LimitsOnDepthOpsMemoAndEntriesHold()
    {
        var deep = new PickleWriter().Proto();
        for (var i = 0; i < 9; i++) deep.Mark();
        var many = new PickleWriter().Proto().EmptyDict();
        for (var i = 0; i < 50; i++) many.Raw((byte)'N', (byte)'0');
        var memo = new PickleWriter().Proto().EmptyDict();
        for (var i = 0; i < 5; i++) memo.BinPut(i);

        Assert.Contains("nested MARKs", Read(deep, new CheckpointLimits { MaxDepth = 8 }).Message);
        Assert.Contains("more than 40 opcodes", Read(many, new CheckpointLimits { MaxPickleOps = 40 }).Message);
        Assert.Contains("more than 4 memo entries", Read(memo, new CheckpointLimits { MaxMemoEntries = 4 }).Message);
        var threeEntries = Archive(new PickleWriter().Proto().EmptyDict().Stop(), ("0", Floats(1)));
        Assert.Contains("lists 3 entries, more than the limit of 2",
            Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(threeEntries, new CheckpointLimits { MaxZipEntries = 2 })).Message);
    }

    [Fact]
    public void SelfReferencingModulesHitTheDepthLimit()
    {
        var w = new PickleWriter().Proto().Global("__torch__.model", "CLIP").EmptyTuple().NewObj().BinPut(0)
            .EmptyDict().Mark().Str("self").BinGet(0).EndObject().Stop();

        Assert.Contains("modules nest deeper than the limit", Read(w, CheckpointLimits.Default).Message);
    }

    [Fact]
    public void TruncatedZipIsAClearError()
    {
        var w = new PickleWriter().Proto().EmptyDict().Stop();
        var path = Archive(w, ("0", Floats(1, 2, 3, 4)));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(path));

        Assert.StartsWith(path, error.Message);
        Assert.Contains("not a readable zip archive", error.Message);
    }

    [Fact]
    public void FilesThatAreNeitherZipNorSafeTensorsAreNamed()
    {
        var garbage = Path.Combine(_dir, "garbage.bin");
        File.WriteAllBytes(garbage, "this is not a checkpoint"u8.ToArray());
        var legacy = Path.Combine(_dir, "legacy.pt");
        File.WriteAllBytes(legacy, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20]);

        Assert.Contains("neither a safetensors file nor a zip archive", Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(garbage)).Message);
        Assert.Contains("legacy torch.save pickle", Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(legacy)).Message);
    }

    [Fact]
    public void ZipWithoutDataPickleIsNotACheckpoint()
    {
        var path = Path.Combine(_dir, "other.zip");
        using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
            zip.CreateEntry("readme.txt");

        Assert.Contains("no '<record>/data.pkl' entry", Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(path)).Message);
    }

    private CheckpointFormatException Read(PickleWriter pickle, CheckpointLimits limits) =>
        Assert.Throws<CheckpointFormatException>(() => ClipCheckpoint.Read(Archive(pickle), limits));

    private string Archive(PickleWriter pickle, params (string Key, byte[] Bytes)[] storages)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.pt");
        Write(path, "archive", pickle.ToArray(), storages.ToDictionary(s => s.Key, s => s.Bytes));
        return path;
    }
}
