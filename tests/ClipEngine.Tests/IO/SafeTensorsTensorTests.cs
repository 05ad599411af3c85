using System.Buffers.Binary;
using System.Text.Json;
using ClipEngine.IO;
using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.IO;

public sealed class SafeTensorsTensorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clipengine-safetensors-tensors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TensorsOfEveryDTypeRoundTripByteForByteInOrder()
    {
        using var scope = TensorScope.Begin();
        var generator = new Generator(21);
        var tensors = new Dictionary<string, Tensor>
        {
            ["z.f32"] = Tensor.Randn([3, 17], generator),
            ["a.f16"] = Tensor.Randn([65], generator).To(DType.F16),
            ["m.bf16"] = Tensor.Randn([2, 3, 5], generator).To(DType.BF16),
            ["f64"] = Tensor.Randn([4], generator).To(DType.F64),
            ["i32"] = Tensor.FromArray([1, -2, int.MaxValue], 3),
            ["i64.scalar"] = Tensor.FromSpan<long>([long.MinValue], [], DType.I64),
            ["empty"] = Tensor.Zeros([0, 7]),
        };
        var path = Path.Combine(_dir, "all.safetensors");
        SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["note"] = "round trip" });

        var loaded = SafeTensors.Load(path);
        Assert.Equal(tensors.Keys, loaded.Keys);
        foreach (var (name, tensor) in tensors)
        {
            Assert.Equal(tensor.DType, loaded[name].DType);
            Assert.Equal(tensor.Shape, loaded[name].Shape);
            Assert.Equal(tensor.ToBytes(), loaded[name].ToBytes());
        }
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal("round trip", file.Metadata["note"]);
        using var one = SafeTensors.LoadTensor(file, "m.bf16");
        Assert.Equal(tensors["m.bf16"].ToBytes(), one.ToBytes());
        Assert.Throws<KeyNotFoundException>(() => SafeTensors.LoadTensor(file, "absent"));
    }

    [Fact]
    public void TinyVitWeightsLoadAsF32TensorsWithTheShapesOfTheHeader()
    {
        var path = Goldens.File("tiny_vit.weights.safetensors");
        var header = ReadHeader(path);
        var loaded = SafeTensors.Load(path);
        try
        {
            Assert.Equal(header.Keys.Order(StringComparer.Ordinal), loaded.Keys.Order(StringComparer.Ordinal));
            Assert.Contains("visual.transformer.resblocks.0.attn.in_proj_weight", loaded.Keys);
            foreach (var (name, tensor) in loaded)
            {
                Assert.Equal("F32", header[name].DType);
                Assert.Equal(DType.F32, tensor.DType);
                Assert.Equal(header[name].Shape, tensor.Shape);
            }
            Assert.Equal([], loaded["logit_scale"].Shape);
            Assert.Equal([64, 3, 8, 8], loaded["visual.conv1.weight"].Shape);
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
    }

    /// <summary>The header parsed here on its own (8-byte length, then JSON), independent of the engine's reader.</summary>
    private static Dictionary<string, (string DType, int[] Shape)> ReadHeader(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var json = JsonDocument.Parse(bytes.AsMemory(8, length));
        return json.RootElement.EnumerateObject()
            .Where(p => p.Name != "__metadata__")
            .ToDictionary(
                p => p.Name,
                p => (p.Value.GetProperty("dtype").GetString()!, p.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray()));
    }
}
