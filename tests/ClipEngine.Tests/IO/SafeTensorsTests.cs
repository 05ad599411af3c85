using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using ClipEngine.IO;

namespace ClipEngine.Tests.IO;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir;

    public SafeTensorsTests()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"clipengine-safetensors-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void RoundTripsEveryDTypeScalarsEmptyTensorsAndMetadata()
    {
        SafeTensorEntry[] entries =
        [
            new("f32", DType.F32, [2, 3], RandomBytes(24, 1)),
            new("f16", DType.F16, [5], RandomBytes(10, 2)),
            new("bf16", DType.BF16, [3, 1], RandomBytes(6, 3)),
            new("i32.scalar", DType.I32, [], RandomBytes(4, 4)),
            new("i64", DType.I64, [2, 2], RandomBytes(32, 5)),
            new("empty", DType.F32, [0, 5], Array.Empty<byte>()),
            new("naïve \"name\"", DType.F32, [1], RandomBytes(4, 6)),
        ];
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "héllo \"quoted\"\n" };
        string path = Path.Combine(_dir, "round.safetensors");

        SafeTensorsWriter.Save(path, entries, metadata);

        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        Assert.Equal(metadata.OrderBy(p => p.Key), file.Metadata.OrderBy(p => p.Key));
        Assert.Equal(entries.Select(e => e.Name), file.Tensors.Select(t => t.Name));
        foreach (SafeTensorEntry entry in entries)
        {
            Assert.True(file.Contains(entry.Name));
            SafeTensorInfo info = file[entry.Name];
            Assert.Equal(entry.DType, info.DType);
            Assert.Equal(entry.Shape, info.Shape);
            Assert.Equal(entry.Shape.Aggregate(1L, (n, d) => n * d), info.ElementCount);
            Assert.Equal(entry.Data.Length, info.Length);
            Assert.True(file.GetBytes(entry.Name).SequenceEqual(entry.Data.Span), entry.Name);
        }

        Assert.Equal(0, file.Tensors[0].Offset % 8);
    }

    [Fact]
    public void RoundTripsAFileWithoutTensors()
    {
        string path = Path.Combine(_dir, "nothing.safetensors");

        SafeTensorsWriter.Save(path, []);

        Assert.Equal(16, new FileInfo(path).Length);
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        Assert.Empty(file.Tensors);
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void ReadsTheGoldenTinyVitWeights()
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(Path.Combine(FindGoldens(), "tiny_vit.weights.safetensors"));

        Assert.True(file.Metadata.ContainsKey("config"));
        using (JsonDocument config = JsonDocument.Parse(file.Metadata["config"]))
        {
            Assert.Equal(32, config.RootElement.GetProperty("embed_dim").GetInt32());
        }

        Assert.All(file.Tensors, t => Assert.Equal(DType.F32, t.DType));
        Assert.All(file.Tensors, t => Assert.Equal(t.ElementCount * 4, file.GetBytes(t.Name).Length));
        SafeTensorInfo proj = file["visual.proj"];
        Assert.Equal([64, 32], proj.Shape);
        ReadOnlySpan<float> values = MemoryMarshal.Cast<byte, float>(file.GetBytes("visual.proj"));
        Assert.Equal(64 * 32, values.Length);
        // First two values as read by Python's struct module from the same file.
        Assert.Equal(0.015041118487715721f, values[0]);
        Assert.Equal(0.08275085687637329f, values[1]);
        Assert.Empty(file["logit_scale"].Shape);
    }

    [Fact]
    public void ReadsTheGoldenTinyResNetWeightsWithI64Tensors()
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(Path.Combine(FindGoldens(), "tiny_rn.weights.safetensors"));

        SafeTensorInfo counter = file["visual.bn1.num_batches_tracked"];
        Assert.Equal(DType.I64, counter.DType);
        Assert.Empty(counter.Shape);
        Assert.Equal(8, file.GetBytes(counter.Name).Length);
        Assert.Equal(file.Tensors.OrderBy(t => t.Offset), file.Tensors);
    }

    [Fact]
    public void UnknownTensorNameIsAKeyNotFoundErrorNamingFileAndTensor()
    {
        string path = Path.Combine(_dir, "one.safetensors");
        SafeTensorsWriter.Save(path, [new("w", DType.F32, [1], new byte[4])]);
        using SafeTensorsFile file = SafeTensorsFile.Open(path);

        var error = Assert.Throws<KeyNotFoundException>(() => file["visual.proj"]);
        Assert.Contains(path, error.Message);
        Assert.Contains("'visual.proj'", error.Message);
        Assert.Throws<KeyNotFoundException>(() => file.GetBytes("visual.proj").Length);
    }

    [Fact]
    public void GetBytesAfterDisposeThrows()
    {
        string path = Path.Combine(_dir, "one.safetensors");
        SafeTensorsWriter.Save(path, [new("w", DType.F32, [1], new byte[4])]);
        SafeTensorsFile file = SafeTensorsFile.Open(path);
        file.Dispose();
        file.Dispose();

        Assert.Throws<ObjectDisposedException>(() => file.GetBytes("w").Length);
    }

    [Fact]
    public void AcceptsGapsBetweenTensorsAndEmptyTensorsInsideOthers()
    {
        string path = WriteHeader("gaps.safetensors", """
            {"b": {"dtype": "F32", "shape": [1], "data_offsets": [12, 16]},
             "a": {"dtype": "I32", "shape": [1], "data_offsets": [0, 4]},
             "e": {"dtype": "I64", "shape": [3, 0], "data_offsets": [13, 13]}}
            """, dataBytes: 20);

        using SafeTensorsFile file = SafeTensorsFile.Open(path);

        Assert.Equal(["a", "b", "e"], file.Tensors.Select(t => t.Name));
        Assert.Equal(0, file.GetBytes("e").Length);
    }

    [Fact]
    public void RejectsAFileShorterThanTheLengthPrefix()
    {
        string path = Path.Combine(_dir, "short.safetensors");
        File.WriteAllBytes(path, [1, 0, 0, 0, 0]);

        AssertFormatError(path, "5 bytes", "shorter than");
    }

    [Fact]
    public void RejectsAnEmptyFile()
    {
        string path = Path.Combine(_dir, "empty.safetensors");
        File.WriteAllBytes(path, []);

        AssertFormatError(path, "0 bytes");
    }

    [Fact]
    public void RejectsAZeroHeaderLength()
    {
        string path = WriteRaw("zero.safetensors", 0, new byte[16]);

        AssertFormatError(path, "header length is 0");
    }

    [Fact]
    public void RejectsAHeaderLengthBeyondTheFile()
    {
        string path = WriteRaw("long.safetensors", 100, Encoding.UTF8.GetBytes("{}"));

        AssertFormatError(path, "header length 100", "exceeds the 2 bytes");
    }

    [Fact]
    public void RejectsAHeaderLengthThatWouldOverflowWhenSigned()
    {
        string path = WriteRaw("huge.safetensors", ulong.MaxValue, Encoding.UTF8.GetBytes("{}"));

        AssertFormatError(path, $"header length {ulong.MaxValue}");
    }

    [Fact]
    public void RejectsAOneGigabyteHeaderWithoutAllocatingIt()
    {
        const long claimed = 1L << 30;
        string path = WriteRaw("gigabyte.safetensors", claimed, Encoding.UTF8.GetBytes("{"));
        // Sparse on Linux and macOS, so the header really fits in the file and only the cap can stop it.
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(8 + claimed + 64);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertFormatError(path, $"header length {claimed}", "limit of 104857600 bytes");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void RejectsAHeaderAboveACustomLimit()
    {
        string path = Path.Combine(_dir, "limited.safetensors");
        SafeTensorsWriter.Save(path, [new("w", DType.F32, [1], new byte[4])]);

        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path, new SafeTensorsLimits { MaxHeaderBytes = 16 }));
        Assert.Contains("limit of 16 bytes", error.Message);
        using SafeTensorsFile file = SafeTensorsFile.Open(path, new SafeTensorsLimits { MaxHeaderBytes = 1024 });
        Assert.True(file.Contains("w"));
    }

    [Fact]
    public void RejectsATruncatedDataSection()
    {
        string path = Path.Combine(_dir, "truncated.safetensors");
        SafeTensorsWriter.Save(path, [new("a", DType.F32, [4], new byte[16]), new("visual.proj", DType.F32, [8], new byte[32])]);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(stream.Length - 10);
        }

        AssertFormatError(path, "tensor 'visual.proj'", "data_offsets [16, 48]", "beyond the data section (38 bytes)");
    }

    [Fact]
    public void RejectsAHeaderThatIsNotUtf8()
    {
        byte[] header = [.. "{\"w"u8, 0xFF, .. "\": {}}"u8];
        string path = WriteRaw("latin1.safetensors", (ulong)header.Length, header);

        AssertFormatError(path, "header is not valid UTF-8");
    }

    [Fact]
    public void RejectsDeeplyNestedJsonWithoutOverflowingTheStack()
    {
        string path = WriteHeader("deep.safetensors", new string('[', 100_000) + new string(']', 100_000), 0);

        AssertFormatError(path, "not valid JSON");
    }

    [Theory]
    [InlineData("""{"w": """, 0, "header is not valid JSON")]
    [InlineData("""{"w": {}} trailing""", 0, "header is not valid JSON")]
    [InlineData("[1, 2, 3]", 0, "header is an array, not an object")]
    [InlineData("\"text\"", 0, "header is a string, not an object")]
    [InlineData("""{"w": 5}""", 0, "tensor 'w'", "entry is a number, not an object")]
    [InlineData("""{"a\nb": 5}""", 0, "tensor 'a\\u000ab': entry is a number")]
    [InlineData("""{"w": {"dtype": "Q7", "shape": [1], "data_offsets": [0, 4]}}""", 4, "tensor 'w'", "dtype 'Q7'", "not a safetensors dtype")]
    [InlineData("""{"w": {"dtype": "U8", "shape": [8], "data_offsets": [0, 8]}}""", 8, "tensor 'w'", "dtype 'U8'", "not supported")]
    [InlineData("""{"w": {"dtype": "BOOL", "shape": [1], "data_offsets": [0, 1]}}""", 1, "tensor 'w'", "dtype 'BOOL'", "not supported")]
    [InlineData("""{"w": {"dtype": "f32", "shape": [1], "data_offsets": [0, 4]}}""", 4, "tensor 'w'", "dtype 'f32'")]
    [InlineData("""{"w": {"dtype": 5, "shape": [1], "data_offsets": [0, 4]}}""", 4, "tensor 'w'", "field 'dtype' is a number, not a string")]
    [InlineData("""{"w": {"shape": [1], "data_offsets": [0, 4]}}""", 4, "tensor 'w'", "field 'dtype' is missing")]
    [InlineData("""{"w": {"dtype": "F32", "data_offsets": [0, 4]}}""", 4, "tensor 'w'", "field 'shape' is missing")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [1]}}""", 4, "tensor 'w'", "field 'data_offsets' is missing")]
    [InlineData("""{"w": {"dtype": "F32", "shape": 4, "data_offsets": [0, 16]}}""", 16, "tensor 'w'", "field 'shape' is a number, not an array")]
    [InlineData("""{"w": {"dtype": "F32", "dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", 4, "tensor 'w'", "field 'dtype' appears twice")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [2, -3], "data_offsets": [0, 0]}}""", 0, "tensor 'w'", "shape[1] is negative (-3)")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}""", 4, "tensor 'w'", "shape[0] is '1.5', not a 64-bit integer")]
    [InlineData("""{"w": {"dtype": "F32", "shape": ["2"], "data_offsets": [0, 8]}}""", 8, "tensor 'w'", "shape[0] is a string")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [3000000000], "data_offsets": [0, 4]}}""", 4, "tensor 'w'", "shape[0] is 3000000000, larger than 2147483647")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [1e400], "data_offsets": [0, 4]}}""", 4, "tensor 'w'", "shape[0]")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1], "data_offsets": [0, 4]}}""", 4, "tensor 'w'", "17 dims")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [2147483647, 2147483647, 2147483647], "data_offsets": [0, 4]}}""", 4, "tensor 'w'", "overflows")]
    [InlineData("""{"w": {"dtype": "I64", "shape": [2147483647, 2147483647, 2], "data_offsets": [0, 4]}}""", 4, "tensor 'w'", "overflows")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}}""", 8, "tensor 'w'", "data_offsets has 3 elements")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [1], "data_offsets": {"begin": 0}}}""", 4, "tensor 'w'", "field 'data_offsets' is an object, not an array")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4.0]}}""", 4, "tensor 'w'", "data_offsets[1] is '4.0'")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}""", 4, "tensor 'w'", "data_offsets [-4, 0] are negative")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 99999999999999999999]}}""", 4, "tensor 'w'", "data_offsets[1]")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [0], "data_offsets": [8, 4]}}""", 8, "tensor 'w'", "data_offsets [8, 4] begin after they end")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}""", 8, "tensor 'w'", "data_offsets [0, 16] lie beyond the data section (8 bytes)")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [0], "data_offsets": [9, 9]}}""", 8, "tensor 'w'", "data_offsets [9, 9] lie beyond the data section (8 bytes)")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}""", 8, "tensor 'w'", "shape [3] of F32 needs 12 bytes but data_offsets [0, 8] hold 8")]
    [InlineData("""{"w": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, 16]}}""", 16, "tensor 'w'", "shape [2, 2] of BF16 needs 8 bytes")]
    [InlineData("""{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}""", 12, "tensor 'b'", "overlap", "tensor 'a'")]
    [InlineData("""{"long": {"dtype": "F32", "shape": [8], "data_offsets": [0, 32]}, "x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}, "y": {"dtype": "F32", "shape": [1], "data_offsets": [16, 20]}}""", 32, "tensor 'x'", "tensor 'long'", "overlap")]
    [InlineData("""{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "I32", "shape": [1], "data_offsets": [0, 4]}}""", 4, "tensor 'b'", "overlap", "tensor 'a'")]
    [InlineData("""{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}""", 8, "tensor 'w' appears twice")]
    [InlineData("""{"__metadata__": {"epochs": 3}}""", 0, "'__metadata__' value of 'epochs' is a number, not a string")]
    [InlineData("""{"__metadata__": {"a": "x", "a": "y"}}""", 0, "'__metadata__' key 'a' appears twice")]
    [InlineData("""{"__metadata__": ["x"]}""", 0, "'__metadata__' is an array, not an object")]
    [InlineData("""{"__metadata__": {}, "__metadata__": {}}""", 0, "'__metadata__' appears twice")]
    [InlineData("""{"\ud800": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", 4, "a header key escapes an unpaired surrogate")]
    [InlineData("""{"__metadata__": {"k": "\udc00"}}""", 0, "'__metadata__' value of 'k' escapes an unpaired surrogate")]
    [InlineData("""{"w": {"dtype": "\ud800", "shape": [1], "data_offsets": [0, 4]}}""", 4, "tensor 'w': dtype escapes an unpaired surrogate")]
    [InlineData("""{"w": {"\udfff": 1, "dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", 4, "tensor 'w': a field name escapes an unpaired surrogate")]
    [InlineData("""{"__metadata__": {"\ud800x": "v"}}""", 0, "a '__metadata__' key escapes an unpaired surrogate")]
    public void RejectsMalformedHeaders(string header, int dataBytes, params string[] expected)
    {
        string path = WriteHeader("bad.safetensors", header, dataBytes);

        AssertFormatError(path, expected);
    }

    [Fact]
    public void BoundsLongNamesInMessages()
    {
        string name = new('x', 100_000);
        string path = WriteHeader("long-name.safetensors", $$"""{"{{name}}": 5}""", 0);

        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path));

        Assert.Contains("tensor 'xxx", error.Message);
        Assert.Contains("…'", error.Message);
        Assert.True(error.Message.Length < path.Length + 200, error.Message);
    }

    [Fact]
    public void MutatedFilesEitherOpenWithinBoundsOrFailWithAFormatError()
    {
        string validPath = Path.Combine(_dir, "valid.safetensors");
        SafeTensorsWriter.Save(
            validPath,
            [new("a", DType.F32, [2, 3], RandomBytes(24, 10)), new("b", DType.I64, [], RandomBytes(8, 11)), new("c", DType.BF16, [0], Array.Empty<byte>())],
            new Dictionary<string, string> { ["k"] = "v" });
        byte[] valid = File.ReadAllBytes(validPath);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        byte[] alphabet = "{}[]\",:-+.0123456789eE \\u"u8.ToArray();
        var random = new Random(12345);
        string path = Path.Combine(_dir, "mutant.safetensors");
        int opened = 0, rejected = 0;

        for (int i = 0; i < 1000; i++)
        {
            byte[] mutant = (byte[])valid.Clone();
            switch (i % 3)
            {
                case 0:
                    for (int n = random.Next(1, 4); n > 0; n--)
                    {
                        mutant[8 + random.Next(headerLength)] = random.Next(4) == 0 ? (byte)random.Next(256) : alphabet[random.Next(alphabet.Length)];
                    }

                    break;
                case 1:
                    mutant = mutant[..random.Next(mutant.Length)];
                    break;
                default:
                    BinaryPrimitives.WriteUInt64LittleEndian(mutant, random.Next(2) == 0 ? (ulong)random.Next(mutant.Length + 16) : (ulong)random.NextInt64());
                    break;
            }

            File.WriteAllBytes(path, mutant);
            try
            {
                using SafeTensorsFile file = SafeTensorsFile.Open(path);
                foreach (SafeTensorInfo tensor in file.Tensors)
                {
                    Assert.InRange(tensor.Offset + tensor.Length, 0, mutant.Length);
                    Assert.Equal(tensor.Length, file.GetBytes(tensor.Name).Length);
                }

                opened++;
            }
            catch (SafeTensorsFormatException error)
            {
                Assert.StartsWith(path + ": ", error.Message);
                rejected++;
            }
        }

        // Both outcomes must occur, or the mutations are not exercising what they are meant to.
        Assert.InRange(opened, 1, 999);
        Assert.InRange(rejected, 1, 999);
    }

    [Fact]
    public void SavingOverAnExistingFileReplacesItAndLeavesNoTempFile()
    {
        string path = Path.Combine(_dir, "model.safetensors");
        SafeTensorsWriter.Save(path, [new("old", DType.I64, [3], RandomBytes(24, 7))]);
        byte[] data = RandomBytes(8, 8);

        SafeTensorsWriter.Save(path, [new("new", DType.F16, [2, 2], data)], new Dictionary<string, string> { ["v"] = "2" });

        using (SafeTensorsFile file = SafeTensorsFile.Open(path))
        {
            Assert.Equal(["new"], file.Tensors.Select(t => t.Name));
            Assert.Equal("2", file.Metadata["v"]);
            Assert.True(file.GetBytes("new").SequenceEqual(data));
        }

        Assert.Equal([path], Directory.GetFiles(_dir));
    }

    [Fact]
    public void RejectsInvalidEntriesBeforeWritingAnything()
    {
        string existing = Path.Combine(_dir, "existing.safetensors");
        SafeTensorsWriter.Save(existing, [new("w", DType.F32, [1], RandomBytes(4, 9))]);
        byte[] original = File.ReadAllBytes(existing);
        string fresh = Path.Combine(_dir, "fresh.safetensors");
        (SafeTensorEntry[] Entries, string Message)[] cases =
        [
            ([new("w", DType.F32, [2, 3], new byte[20])], "tensor 'w': data is 20 bytes but shape [2, 3] of F32 needs 24"),
            ([new("w", DType.F32, [1], new byte[4]), new("w", DType.I32, [1], new byte[4])], "tensor 'w' appears twice"),
            ([new("w", DType.F32, [-1], new byte[4])], "tensor 'w': shape[0] is negative"),
            ([new("w", DType.F32, null!, new byte[4])], "tensor 'w': shape is null"),
            ([new("w", (DType)42, [1], new byte[4])], "tensor 'w': dtype 42"),
            ([new("__metadata__", DType.F32, [1], new byte[4])], "'__metadata__' is reserved"),
            ([new("ok", DType.F32, [1], new byte[4]), new("w", DType.I64, [int.MaxValue, int.MaxValue, int.MaxValue], new byte[8])], "tensor 'w'"),
        ];

        foreach ((SafeTensorEntry[] entries, string message) in cases)
        {
            Assert.Contains(message, Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Save(existing, entries)).Message);
            Assert.Contains(message, Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Save(fresh, entries)).Message);
        }

        var badMetadata = new Dictionary<string, string> { ["k"] = null! };
        Assert.Contains("'k'", Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Save(fresh, [], badMetadata)).Message);

        Assert.Equal(original, File.ReadAllBytes(existing));
        Assert.Equal([existing], Directory.GetFiles(_dir));
    }

    [Fact]
    public void AFailedMoveLeavesNoTempFile()
    {
        string target = Path.Combine(_dir, "taken");
        Directory.CreateDirectory(target);

        Assert.ThrowsAny<IOException>(() => SafeTensorsWriter.Save(target, [new("w", DType.F32, [1], new byte[4])]));

        Assert.Empty(Directory.GetFiles(_dir));
    }

    private static void AssertFormatError(string path, params string[] expected)
    {
        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.Equal(path, error.FilePath);
        Assert.StartsWith(path + ": ", error.Message);
        foreach (string fragment in expected)
        {
            Assert.Contains(fragment, error.Message);
        }
    }

    private string WriteHeader(string name, string header, int dataBytes)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        return WriteRaw(name, (ulong)json.Length, [.. json, .. new byte[dataBytes]]);
    }

    private string WriteRaw(string name, ulong headerLength, byte[] rest)
    {
        string path = Path.Combine(_dir, name);
        var bytes = new byte[8 + rest.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength);
        rest.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string FindGoldens()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "goldens");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"no shared/goldens above {AppContext.BaseDirectory}");
    }
}
