using ClipEngine.Clip.Tests.Model;
using ClipEngine.Clip.Tests.Tokenization;
using SixLabors.ImageSharp;

namespace ClipEngine.Clip.Tests.Inference;

public class ClipPipelineTests
{
    [Fact]
    public void EncodeFeatures_InBatchesOfThree_MatchTheGoldensInInputOrder()
    {
        using var pipeline = TinyClip.Pipeline(batchSize: 3);
        using var images = TinyClip.Golden("input.images");
        using var tokens = TinyClip.Golden("input.tokens");
        using var expectedImage = TinyClip.Golden("f64.image_features");
        using var expectedText = TinyClip.Golden("f64.text_features");

        using var imageFeatures = pipeline.EncodeImageFeatures(images);
        using var textFeatures = pipeline.EncodeTextFeatures(tokens);

        Assert.Equal([4, 32], imageFeatures.Shape);
        Relative.Check("image_features", imageFeatures.ToArray(), expectedImage.ToArray<double>(), 1e-4);
        Relative.Check("text_features", textFeatures.ToArray(), expectedText.ToArray<double>(), 1e-4);
    }

    /// <summary>
    /// Under bf16 autocast on cuda:0 the features keep about 3 significant digits: within 3e-2 of the goldens in norm,
    /// but further from them than fp32's 1e-4, so the bf16 path ran. On the Cpu, which computes in fp32, BF16 changes nothing.
    /// </summary>
    [Fact]
    public void Bf16Precision_RunsUnderAutocastOnCudaAndChangesNothingOnTheCpu()
    {
        using var images = TinyClip.Golden("input.images");
        using var tokens = TinyClip.Golden("input.tokens");
        using var expectedImage = TinyClip.Golden("f64.image_features");
        using var expectedText = TinyClip.Golden("f64.text_features");

        using (var cuda = new ClipPipeline(ClipModel.Load(TinyClip.WeightsPath, ClipCudaTestDevice.Device), precision: DType.BF16))
        {
            Assert.Equal(DType.BF16, cuda.Precision);
            using var imageFeatures = cuda.EncodeImageFeatures(images);
            using var textFeatures = cuda.EncodeTextFeatures(tokens);
            Assert.Equal(DType.F32, imageFeatures.DType);
            Assert.InRange(Relative.Check("bf16 image_features", imageFeatures.ToArray(), expectedImage.ToArray<double>(), 3e-2), 1e-4, 3e-2);
            Assert.InRange(Relative.Check("bf16 text_features", textFeatures.ToArray(), expectedText.ToArray<double>(), 3e-2), 1e-4, 3e-2);
            Assert.False(Autocast.IsEnabled);
        }

        using var fp32 = TinyClip.Pipeline();
        using var bf16 = new ClipPipeline(ClipModel.Load(TinyClip.WeightsPath), precision: DType.BF16);
        using var fp32Features = fp32.EncodeImageFeatures(images);
        using var bf16Features = bf16.EncodeImageFeatures(images);
        Assert.Equal(fp32Features.ToArray(), bf16Features.ToArray());
        Assert.Throws<ArgumentException>(() => new ClipPipeline(bf16.Model, precision: DType.F16));
    }

    [Fact]
    public void EncodeImages_AreTheFeaturesScaledToUnitLength()
    {
        using var pipeline = TinyClip.Pipeline();
        using var images = TinyClip.Golden("input.images");
        using var expected = TinyClip.Golden("f64.image_features");
        var reference = expected.ToArray<double>();

        var embeddings = pipeline.EncodeImages(images);

        Assert.Equal(4, embeddings.Length);
        for (var row = 0; row < embeddings.Length; row++)
        {
            var features = reference.AsSpan(row * 32, 32).ToArray();
            var norm = Math.Sqrt(features.Sum(v => v * v));
            Relative.Check($"embedding {row}", embeddings[row], [.. features.Select(v => v / norm)], 1e-4);
        }
    }

    [Fact]
    public void EncodeImageFeatures_FilesAndDecodedImages_MatchTheirPreprocessedTensor()
    {
        using var directory = new TempDirectory();
        string[] paths = [.. Enumerable.Range(0, 3).Select(i => TinyClip.WritePng(directory, $"image{i}.png", seed: i))];
        using var pipeline = TinyClip.Pipeline(batchSize: 2);
        using var batch = pipeline.Preprocessor.PreprocessBatch(paths);
        using var fromTensor = pipeline.EncodeImageFeatures(batch.Images);

        using var fromFiles = pipeline.EncodeImageFeatures(paths);
        var decoded = paths.Select(p => Image.Load(p)).ToList();
        using var fromImages = pipeline.EncodeImageFeatures(decoded);
        decoded.ForEach(i => i.Dispose());

        Assert.Equal(fromTensor.ToArray(), fromFiles.ToArray());
        Assert.Equal(fromTensor.ToArray(), fromImages.ToArray());
    }

    [Fact]
    public void EncodeTexts_TokenizeThenEncode()
    {
        using var pipeline = TinyClip.Pipeline(batchSize: 2);
        string[] texts = ["a photo of a dog.", "a drawing of the cat.", "a red car on the road."];
        using var tokens = TinyClip.Tokenizer.Tokenize(texts);
        using var fromTokens = pipeline.EncodeTextFeatures(tokens);

        using var fromTexts = pipeline.EncodeTextFeatures(texts);

        Assert.Equal(fromTokens.ToArray(), fromTexts.ToArray());
    }

    [Fact]
    public void Encode_FromSeveralThreadsAtOnce_GivesTheSequentialResults()
    {
        using var directory = new TempDirectory();
        string[] paths = [.. Enumerable.Range(0, 5).Select(i => TinyClip.WritePng(directory, $"image{i}.png", seed: 10 + i))];
        string[] texts = ["a photo of a dog.", "a drawing of the cat.", "a red car on the road.", "dog cat car"];
        using var pipeline = TinyClip.Pipeline(batchSize: 2);
        var expectedImages = pipeline.EncodeImages(paths);
        var expectedTexts = pipeline.EncodeTexts(texts);

        var results = new (float[][] Images, float[][] Texts)[6];
        var threads = Enumerable.Range(0, results.Length).Select(t => new Thread(() =>
        {
            for (var repeat = 0; repeat < 3; repeat++) results[t] = (pipeline.EncodeImages(paths), pipeline.EncodeTexts(texts));
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        foreach (var (images, textEmbeddings) in results)
        {
            Assert.Equal(expectedImages, images);
            Assert.Equal(expectedTexts, textEmbeddings);
        }
    }

    [Fact]
    public void EncodeImageFeatures_UnreadableFile_ThrowsNamingIt()
    {
        using var directory = new TempDirectory();
        var good = TinyClip.WritePng(directory, "good.png", seed: 1);
        var bad = directory.File("bad.png");
        File.WriteAllBytes(bad, [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
        using var pipeline = TinyClip.Pipeline();

        var e = Assert.Throws<ImageLoadException>(() => pipeline.EncodeImageFeatures([good, bad]));

        Assert.Equal(bad, e.FileName);
    }

    [Fact]
    public void EncodeImageFeatures_WrongShape_SaysWhatTheModelTakes()
    {
        using var pipeline = TinyClip.Pipeline();
        using var images = Tensor.Zeros([2, 3, 64, 64]);

        var e = Assert.Throws<ArgumentException>(() => pipeline.EncodeImageFeatures(images));

        Assert.Contains("[n, 3, 32, 32]", e.Message);
        Assert.Contains("[2, 3, 64, 64]", e.Message);
    }

    [Fact]
    public void EncodeTexts_WithoutTokenizer_AsksForTheVocabulary()
    {
        using var pipeline = new ClipPipeline(ClipModel.Load(TinyClip.WeightsPath));

        var e = Assert.Throws<InvalidOperationException>(() => pipeline.EncodeTexts(["a dog"]));

        Assert.Contains("bpe_simple_vocab_16e6.txt.gz", e.Message);
    }

    [Fact]
    public void Constructor_TokenizerOfOtherWeights_IsRefused()
    {
        using var model = ClipModel.Load(TinyClip.WeightsPath);

        var e = Assert.Throws<ArgumentException>(() => new ClipPipeline(model, RealVocab.Tokenizer));

        Assert.Contains("49407", e.Message);
        Assert.Contains("999", e.Message);
    }

    [Fact]
    public void LoadTokenizer_OpenAiMergesFile_GivesTheKnownIds()
    {
        var tokenizer = ClipPipeline.LoadTokenizer(RealVocab.Path);

        Assert.Equal([320, 1125, 539, 320, 2368], tokenizer.Encode("a photo of a cat"));
    }

    [Fact]
    public void LoadTokenizer_HuggingFaceVocabJsonOrMergesTxt_FindsItsPartnerBesideIt()
    {
        using var directory = new TempDirectory();
        var tokenizer = TinyClip.Tokenizer;
        File.WriteAllText(directory.File("vocab.json"), System.Text.Json.JsonSerializer.Serialize(
            Enumerable.Range(0, tokenizer.VocabSize).ToDictionary(tokenizer.IdToToken, id => id)));
        File.WriteAllLines(directory.File("merges.txt"), ["#version: 0.2", .. tokenizer.Merges.Select(m => $"{m.First} {m.Second}")]);
        string[] texts = ["a photo of a dog.", "a red car"];

        Assert.Equal(tokenizer.TokenizeToArray(texts), ClipPipeline.LoadTokenizer(directory.File("vocab.json")).TokenizeToArray(texts));
        Assert.Equal(tokenizer.TokenizeToArray(texts), ClipPipeline.LoadTokenizer(directory.File("merges.txt")).TokenizeToArray(texts));
        File.Delete(directory.File("merges.txt"));
        Assert.Contains("merges.txt", Assert.Throws<FileNotFoundException>(() => ClipPipeline.LoadTokenizer(directory.File("vocab.json"))).Message);
    }
}
