using ClipEngine.Clip;
using ClipEngine.IO;
using ClipEngine.Tests.Support;

namespace ClipEngine.Clip.Tests.Model;

/// <summary>The tiny ViT CLIP of ../shared/goldens: its weights, its config from the weights' metadata, and its golden tensors.</summary>
internal sealed class TinyVit : IDisposable
{
    public TinyVit()
    {
        var weightsPath = Goldens.File("tiny_vit.weights.safetensors");
        using (var file = SafeTensorsFile.Open(weightsPath))
            Config = ClipConfig.FromSafeTensorsMetadata(file.Metadata) ?? throw new InvalidOperationException($"{weightsPath} has no config in its metadata");
        Weights = SafeTensors.Load(weightsPath);
        Golden = SafeTensors.Load(Goldens.File("tiny_vit.goldens.safetensors"));
    }

    public ClipConfig Config { get; }

    public Dictionary<string, Tensor> Weights { get; }

    public Dictionary<string, Tensor> Golden { get; }

    public Tensor Images => Golden["input.images"];

    public Tensor Tokens => Golden["input.tokens"];

    public ClipModel BuildModel(Device? device = null) => ClipModel.FromStateDict(Weights, Config, device);

    /// <summary>The float64 reference of a golden key ("f64." + key).</summary>
    public double[] Reference(string key) => Golden["f64." + key].ToArray<double>();

    public void Dispose()
    {
        foreach (var t in Weights.Values.Concat(Golden.Values)) t.Dispose();
    }
}
