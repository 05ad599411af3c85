using ClipEngine.IO;
using ClipEngine.Nn;

namespace ClipEngine.Tests.Nn;

public sealed class StateDictTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clipengine-statedict-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void StateDictListsParametersThenBuffersPerModuleAsPyTorchDoes()
    {
        using var tree = new Tree();
        var state = tree.StateDict();
        Assert.Equal(Tree.StateKeys, state.Keys);
        Assert.Same(tree.Head.RunningMean, state["head.running_mean"]);
        Assert.DoesNotContain(state.Keys, k => k.EndsWith("scratch", StringComparison.Ordinal));
    }

    [Fact]
    public void RoundTripThroughSafeTensorsIsByteIdenticalAndLoadsInPlace()
    {
        using var source = new Tree(seed: 1);
        using var target = new Tree(seed: 2);
        var path = Path.Combine(_dir, "tree.safetensors");
        source.SaveSafeTensors(path, new Dictionary<string, string> { ["format"] = "pt" });

        using (var file = SafeTensorsFile.Open(path))
        {
            Assert.Equal(Tree.StateKeys, file.Tensors.Select(t => t.Name));
            Assert.Equal("pt", file.Metadata["format"]);
        }

        var tensorsBefore = target.StateDict().Values.ToArray();
        Assert.NotEqual(source.Head.Weight.ToBytes(), target.Head.Weight.ToBytes());
        var result = target.LoadSafeTensors(path);
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        Assert.Equal(tensorsBefore, target.StateDict().Values);
        foreach (var (name, tensor) in source.StateDict())
        {
            Assert.Equal(tensor.ToBytes(), target.StateDict()[name].ToBytes());
            Assert.Equal(tensor.DType, target.StateDict()[name].DType);
        }
        Assert.All(target.Parameters(), p => Assert.True(p.IsLeaf && p.RequiresGrad));
    }

    [Fact]
    public void RoundTripThroughADictionaryLoadedFromSafeTensors()
    {
        using var source = new Tree(seed: 3);
        using var target = new Tree(seed: 4);
        var path = Path.Combine(_dir, "dict.safetensors");
        SafeTensors.Save(path, source.StateDict());
        var loaded = SafeTensors.Load(path);
        try
        {
            Assert.Equal(Tree.StateKeys, loaded.Keys);
            target.LoadStateDict(loaded);
            foreach (var (name, tensor) in source.StateDict())
                Assert.Equal(tensor.ToBytes(), target.StateDict()[name].ToBytes());
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
    }

    [Fact]
    public void StrictLoadListsEveryMissingUnexpectedAndMismatchedKeyAtOnce()
    {
        using var tree = new Tree();
        var before = tree.StateDict().ToDictionary(p => p.Key, p => p.Value.ToBytes());
        using var scope = TensorScope.Begin();
        var state = tree.StateDict().Where(p => p.Key is not ("encoder.1.bias" or "step")).ToDictionary(p => p.Key, p => p.Value);
        state["head.weight"] = Tensor.Zeros([3]);
        state["encoder.0.running_mean"] = Tensor.Zeros([3], DType.I64);
        state["extra"] = Tensor.Zeros([1]);
        state["encoder.2.weight"] = Tensor.Zeros([5]);

        var error = Assert.Throws<StateDictException>(() => tree.LoadStateDict(state));

        Assert.Equal(["step", "encoder.1.bias"], error.MissingKeys);
        Assert.Equal(["extra", "encoder.2.weight"], error.UnexpectedKeys);
        Assert.Equal(["encoder.0.running_mean", "head.weight"], error.Mismatched.Select(m => m.Key));
        var shape = error.Mismatched.Single(m => m.Key == "head.weight");
        Assert.Equal([2], shape.ExpectedShape);
        Assert.Equal([3], shape.ActualShape);
        var dtype = error.Mismatched.Single(m => m.Key == "encoder.0.running_mean");
        Assert.Equal(DType.F32, dtype.ExpectedDType);
        Assert.Equal(DType.I64, dtype.ActualDType);
        foreach (var key in (string[])["step", "encoder.1.bias", "extra", "encoder.2.weight", "head.weight", "encoder.0.running_mean", "[3] I64", "[2] F32"])
            Assert.Contains(key, error.Message);
        // Nothing was copied: validation comes before any write.
        foreach (var (name, tensor) in tree.StateDict()) Assert.Equal(before[name], tensor.ToBytes());
    }

    [Fact]
    public void NonStrictLoadSkipsMissingAndUnexpectedKeysAndReportsThem()
    {
        using var tree = new Tree();
        using var scope = TensorScope.Begin();
        var state = new Dictionary<string, Tensor>
        {
            ["head.bias"] = Tensor.FromArray([4f, 5f], 2),
            ["decoder.weight"] = Tensor.Zeros([9]),
        };
        var before = tree.Head.Weight.ToBytes();
        var result = tree.LoadStateDict(state, strict: false);
        Assert.Equal([4f, 5f], tree.Head.Bias.ToArray());
        Assert.Equal(before, tree.Head.Weight.ToBytes());
        Assert.Equal(["decoder.weight"], result.UnexpectedKeys);
        Assert.Equal(Tree.StateKeys.Where(k => k != "head.bias"), result.MissingKeys);
    }

    [Fact]
    public void NonStrictLoadStillRejectsAShapeMismatch()
    {
        using var tree = new Tree();
        using var scope = TensorScope.Begin();
        var state = new Dictionary<string, Tensor> { ["head.bias"] = Tensor.Zeros([2, 1]), ["logit_scale"] = Tensor.Scalar(1f) };
        var error = Assert.Throws<StateDictException>(() => tree.LoadStateDict(state, strict: false));
        Assert.Equal("head.bias", Assert.Single(error.Mismatched).Key);
        Assert.Equal(2.5f, tree.StateDict()["logit_scale"].Item());
    }

    [Theory]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    [InlineData(DType.F64)]
    public void LowerOrHigherPrecisionCheckpointsConvertToTheParameterDType(DType stored)
    {
        using var source = new Tree(seed: 8);
        using var target = new Tree(seed: 9);
        var path = Path.Combine(_dir, $"{stored}.safetensors");
        using (var scope = TensorScope.Begin())
        {
            SafeTensors.Save(path, source.StateDict().Select(p => KeyValuePair.Create(p.Key, p.Value.DType == DType.F32 ? p.Value.To(stored) : p.Value)));
            var expected = source.StateDict().ToDictionary(p => p.Key, p => p.Value.DType == DType.F32 ? p.Value.To(stored).To(DType.F32).ToArray() : p.Value.ToArray());
            target.LoadSafeTensors(path);
            foreach (var (name, tensor) in target.StateDict())
            {
                Assert.Equal(name == "step" ? DType.I64 : DType.F32, tensor.DType);
                Assert.Equal(expected[name], tensor.ToArray());
            }
        }
    }
}
