using ClipEngine.Clip.Tests.Tokenization;
using ClipEngine.Clip.Tokenization;
using ClipEngine.IO;
using ClipEngine.Tests.Support;
using SixLabors.ImageSharp;

namespace ClipEngine.Clip.Tests.Inference;

/// <summary>
/// The golden tiny ViT (32×32 images, vocabulary 1000 with SOT 998 and EOT 999) with a tokenizer that fits it: a BPE of
/// 1000 ids trained here on a generated caption corpus, whose layout (bytes, merges, SOT, EOT) puts SOT and EOT there too.
/// </summary>
internal static class TinyClip
{
    public const int VocabSize = 1000;

    private static readonly Lazy<ClipTokenizer> SharedTokenizer = new(() => BpeTrainer.Train(Corpus(), VocabSize));

    public static string WeightsPath => Goldens.File("tiny_vit.weights.safetensors");

    public static string GoldensPath => Goldens.File("tiny_vit.goldens.safetensors");

    public static ClipTokenizer Tokenizer => SharedTokenizer.Value;

    public static ClipPipeline Pipeline(int batchSize = ClipPipeline.DefaultBatchSize) =>
        new(ClipModel.Load(WeightsPath), Tokenizer, batchSize: batchSize);

    /// <summary>A golden tensor ("input.images", "f64.image_features", …), on the CPU.</summary>
    public static Tensor Golden(string key)
    {
        using var file = SafeTensorsFile.Open(GoldensPath);
        return SafeTensors.LoadTensor(file, key);
    }

    /// <summary>A 32×32 PNG of seeded noise (the tiny model's resolution, so preprocessing only normalises).</summary>
    public static string WritePng(TempDirectory directory, string name, int seed)
    {
        var path = directory.File(name);
        using var image = Preprocessing.TestImages.Noise(32, 32, seed);
        image.SaveAsPng(path);
        return path;
    }

    /// <summary>Captions of seeded random words plus the words the tests classify with, enough pairs for 486 merges.</summary>
    private static IEnumerable<string> Corpus()
    {
        var random = new Random(1234);
        string Word() => new([.. Enumerable.Range(0, random.Next(2, 9)).Select(_ => (char)('a' + random.Next(26)))]);
        for (var i = 0; i < 600; i++) yield return string.Join(' ', Enumerable.Range(0, 6).Select(_ => Word()));
        for (var i = 0; i < 20; i++) yield return "a photo of a dog. a drawing of the cat. a red car on the road.";
    }
}
