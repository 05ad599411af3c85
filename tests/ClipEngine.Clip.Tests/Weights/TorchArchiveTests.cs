using ClipEngine.Clip.Tests.Weights.Support;
using static ClipEngine.Clip.Tests.Weights.Support.TorchZip;

namespace ClipEngine.Clip.Tests.Weights;

public sealed class TorchArchiveTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clipengine-torchzip-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TorchSaveStateDictLoadsViewsHalfAndIntegerStorages()
    {
        var memo = new Dictionary<string, int>();
        var w = new PickleWriter().Proto().Global("collections", "OrderedDict").EmptyTuple().Reduce().BinPut(0).Mark();
        w.Str("a.weight").Tensor(memo, "FloatStorage", "0", 6, 0, [2, 3], [3, 1]);
        // The transpose of a.weight: the same storage read with swapped strides.
        w.Str("a.weight_t").Tensor(memo, "FloatStorage", "0", 6, 0, [3, 2], [1, 3]);
        // Every other element of the second row, from an offset.
        w.Str("a.strided").Tensor(memo, "FloatStorage", "0", 6, 3, [2], [2]);
        w.Str("b").Tensor(memo, "HalfStorage", "1", 4, 1, [3], [1]);
        w.Str("c").Tensor(memo, "LongStorage", "2", 2);
        w.Str("scale").Tensor(memo, "FloatStorage", "3");
        w.Str("d").Tensor(memo, "DoubleStorage", "4", 2);
        w.Str("bf").Tensor(memo, "BFloat16Storage", "5", 2);
        w.Str("mask").Tensor(memo, "BoolStorage", "6", 3);
        w.SetItems();
        // OrderedDict state: the _metadata attribute torch.save writes for a module's state dict.
        w.EmptyDict().Str("_metadata").Global("collections", "OrderedDict").EmptyTuple().Reduce()
            .Mark().Str("").EmptyDict().Str("version").Int(1).Raw((byte)'s').SetItems()
            .Raw((byte)'s').Build().Stop();
        var path = Path.Combine(_dir, "state.pt");
        Write(path, "archive", w.ToArray(), new Dictionary<string, byte[]>
        {
            ["0"] = Floats(0, 1, 2, 3, 4, 5),
            ["1"] = Halves(9, 1.5f, -2, 65504),
            ["2"] = Longs(7, -9_000_000_000),
            ["3"] = Floats(4.6052f),
            ["4"] = [.. new[] { 0.1, -3.5 }.SelectMany(BitConverter.GetBytes)],
            // bfloat16 1.0 and -2.5: the top halves of the floats 0x3f800000 and 0xc0200000.
            ["5"] = [0x80, 0x3f, 0x20, 0xc0],
            ["6"] = [1, 0, 1],
        });

        using var checkpoint = ClipCheckpoint.Read(path);

        Assert.Equal(CheckpointFormat.TorchSave, checkpoint.Format);
        Assert.Null(checkpoint.ConfigJson);
        var sd = checkpoint.StateDict;
        Assert.Equal(["a.weight", "a.weight_t", "a.strided", "b", "c", "scale", "d", "bf", "mask"], sd.Keys);
        AssertTensor(sd["a.weight"], [2, 3], [0, 1, 2, 3, 4, 5]);
        AssertTensor(sd["a.weight_t"], [3, 2], [0, 3, 1, 4, 2, 5]);
        AssertTensor(sd["a.strided"], [2], [3, 5]);
        AssertTensor(sd["b"], [3], [1.5f, -2, 65504]);
        Assert.Equal(DType.I64, sd["c"].DType);
        Assert.Equal([7L, -9_000_000_000], sd["c"].ToArray<long>());
        AssertTensor(sd["scale"], [], [4.6052f]);
        AssertTensor(sd["d"], [2], [(float)0.1, -3.5f]);
        AssertTensor(sd["bf"], [2], [1, -2.5f]);
        Assert.Equal(DType.I32, sd["mask"].DType);
        Assert.Equal([1, 0, 1], sd["mask"].ToArray<int>());
    }

    [Fact]
    public void TrainingCheckpointYieldsItsStateDictWithoutTheParallelPrefix()
    {
        var memo = new Dictionary<string, int>();
        var w = new PickleWriter().Proto().EmptyDict().Mark().Str("epoch").Int(32).Str("state_dict").EmptyDict().Mark();
        w.Str("module.logit_scale").Tensor(memo, "FloatStorage", "0");
        w.Str("module.visual.proj").Tensor(memo, "FloatStorage", "1", 2, 1);
        w.SetItems().SetItems().Stop();
        var path = Path.Combine(_dir, "epoch_32.pt");
        Write(path, "epoch_32", w.ToArray(), new Dictionary<string, byte[]> { ["0"] = Floats(2), ["1"] = Floats(-1, 1) });

        using var checkpoint = ClipCheckpoint.Read(path);

        Assert.Equal(["logit_scale", "visual.proj"], checkpoint.StateDict.Keys);
        AssertTensor(checkpoint.StateDict["visual.proj"], [2, 1], [-1, 1]);
    }

    [Fact]
    public void HuggingFaceNamedTorchSaveIsMappedToOpenAiNames()
    {
        var memo = new Dictionary<string, int>();
        var w = new PickleWriter().Proto().EmptyDict().Mark();
        w.Str("text_projection.weight").Tensor(memo, "FloatStorage", "0", 2, 3);
        w.Str("text_model.final_layer_norm.weight").Tensor(memo, "FloatStorage", "1", 3);
        w.Str("text_model.embeddings.position_ids").Tensor(memo, "LongStorage", "2", 1, 4);
        w.SetItems().Stop();
        var path = Path.Combine(_dir, "pytorch_model.bin");
        Write(path, "archive", w.ToArray(), new Dictionary<string, byte[]>
        {
            ["0"] = Floats(1, 2, 3, 4, 5, 6),
            ["1"] = Floats(1, 1, 1),
            ["2"] = Longs(0, 1, 2, 3),
        });

        using var checkpoint = ClipCheckpoint.Read(path);

        Assert.Equal(CheckpointFormat.TorchSave, checkpoint.Format);
        Assert.Equal(["text_projection", "ln_final.weight"], checkpoint.StateDict.Keys);
        AssertTensor(checkpoint.StateDict["text_projection"], [3, 2], [1, 4, 2, 5, 3, 6]);
    }

    [Fact]
    public void TorchScriptArchiveFlattensModulesToTheirStateDict()
    {
        var memo = new Dictionary<string, int>();
        var w = new PickleWriter().Proto();
        w.BeginObject("__torch__.model", "CLIP").Str("training").Bool(false);
        w.Str("visual").BeginObject("__torch__.model", "VisionTransformer").Str("training").Bool(false);
        w.Str("class_embedding").Tensor(memo, "HalfStorage", "0", 4);
        w.Str("conv1").BeginObject("__torch__.torch.nn.modules.conv", "Conv2d").Str("training").Bool(false)
            .Str("weight").Tensor(memo, "HalfStorage", "1", 2, 3, 1, 1).Str("bias").None().EndObject();
        // proj is stored transposed: a non-contiguous view of a [2, 3] storage.
        w.Str("proj").Tensor(memo, "FloatStorage", "2", 6, 0, [3, 2], [1, 3]);
        w.EndObject();
        w.Str("transformer").BeginObject("__torch__.model", "Transformer").Str("training").Bool(false);
        w.Str("resblocks").BeginObject("__torch__.torch.nn.modules.container", "Sequential");
        w.Str("0").BeginObject("__torch__.model.___torch_mangle_3", "ResidualAttentionBlock");
        w.Str("attn_mask").Tensor(memo, "FloatStorage", "3", 2, 2);
        w.Str("ln_1").BeginObject("__torch__.torch.nn.modules.normalization", "LayerNorm")
            .Str("weight").Tensor(memo, "HalfStorage", "4", 2).Str("bias").Tensor(memo, "HalfStorage", "5", 2)
            .Str("normalized_shape").Mark().Int(2).Tuple().EndObject();
        w.EndObject().EndObject().EndObject();
        w.Str("logit_scale").Tensor(memo, "FloatStorage", "6");
        w.Str("input_resolution").Tensor(memo, "LongStorage", "7");
        w.Str("context_length").Tensor(memo, "LongStorage", "8");
        w.Str("vocab_size").Tensor(memo, "LongStorage", "9");
        w.EndObject().Stop();
        var path = Path.Combine(_dir, "ViT-Tiny.pt");
        Write(path, "ViT-Tiny", w.ToArray(), new Dictionary<string, byte[]>
        {
            ["0"] = Halves(0.5f, -0.25f, 3, 1024),
            ["1"] = Halves(1, 2, 3, 4, 5, 6),
            ["2"] = Floats(10, 20, 30, 40, 50, 60),
            ["3"] = Floats(0, float.NegativeInfinity, 0, 0),
            ["4"] = Halves(1, 1),
            ["5"] = Halves(0, -0.125f),
            ["6"] = Floats(4.6052f),
            ["7"] = Longs(224),
            ["8"] = Longs(77),
            ["9"] = Longs(49408),
        }, new Dictionary<string, string>
        {
            ["constants.pkl"] = "",
            ["code/__torch__/model.py"] = """
                class CLIP(Module):
                  __parameters__ = ["logit_scale", ]
                  __buffers__ = ["input_resolution", "context_length", "vocab_size", ]
                  training : bool
                  visual : __torch__.model.VisionTransformer
                class VisionTransformer(Module):
                  __parameters__ = ["class_embedding", "proj", ]
                  __buffers__ = []
                class Transformer(Module):
                  __parameters__ = []
                  __buffers__ = []
                """,
            ["code/__torch__/model/___torch_mangle_3.py"] = """
                class ResidualAttentionBlock(Module):
                  __parameters__ = []
                  __buffers__ = []
                  attn_mask : Tensor
                  def forward(self: __torch__.model.___torch_mangle_3.ResidualAttentionBlock, x: Tensor) -> Tensor:
                    return x
                """,
            ["code/__torch__/torch/nn/modules/conv.py"] = """
                class Conv2d(Module):
                  __parameters__ = ["weight", "bias", ]
                  __buffers__ = []
                """,
        });

        using var checkpoint = ClipCheckpoint.Read(path);

        Assert.Equal(CheckpointFormat.TorchScript, checkpoint.Format);
        var sd = checkpoint.StateDict;
        // attn_mask is a plain attribute (not declared as parameter or buffer); LayerNorm has no code file, so all its tensors count.
        Assert.Equal(
            ["visual.class_embedding", "visual.conv1.weight", "visual.proj", "transformer.resblocks.0.ln_1.weight", "transformer.resblocks.0.ln_1.bias", "logit_scale"],
            sd.Keys);
        AssertTensor(sd["visual.class_embedding"], [4], [0.5f, -0.25f, 3, 1024]);
        AssertTensor(sd["visual.conv1.weight"], [2, 3, 1, 1], [1, 2, 3, 4, 5, 6]);
        AssertTensor(sd["visual.proj"], [3, 2], [10, 40, 20, 50, 30, 60]);
        AssertTensor(sd["transformer.resblocks.0.ln_1.bias"], [2], [0, -0.125f]);
        AssertTensor(sd["logit_scale"], [], [4.6052f]);
    }

    [Fact]
    public void ConvertTurnsAnArchiveIntoSafeTensors()
    {
        var memo = new Dictionary<string, int>();
        var w = new PickleWriter().Proto().EmptyDict().Mark();
        w.Str("visual.proj").Tensor(memo, "HalfStorage", "0", 4, 0, [2, 2], [1, 2]);
        w.SetItems().Stop();
        var path = Path.Combine(_dir, "w.pt");
        Write(path, "archive", w.ToArray(), new Dictionary<string, byte[]> { ["0"] = Halves(1, 2, 3, 4) });
        var output = Path.Combine(_dir, "w.safetensors");

        ClipCheckpoint.Convert(path, output);

        using var converted = ClipCheckpoint.Read(output);
        Assert.Equal(CheckpointFormat.OpenAiSafeTensors, converted.Format);
        AssertTensor(converted.StateDict["visual.proj"], [2, 2], [1, 3, 2, 4]);
        Assert.False(File.Exists(Path.Combine(_dir, "w.json")));
    }

    private static void AssertTensor(Tensor tensor, int[] shape, float[] values)
    {
        Assert.Equal(DType.F32, tensor.DType);
        Assert.Equal(shape, tensor.Shape);
        Assert.Equal(values, tensor.ToArray<float>());
    }
}
