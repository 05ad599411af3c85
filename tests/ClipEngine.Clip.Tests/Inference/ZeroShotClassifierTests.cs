using ClipEngine.Clip.Tests.Tokenization;

namespace ClipEngine.Clip.Tests.Inference;

public class ZeroShotClassifierTests
{
    private static readonly string[] Classes = ["dog", "cat", "red car"];
    private static readonly string[] Templates = ["a photo of a {}.", "a drawing of the {}.", "{} on the road"];

    [Fact]
    public void TrainedTokenizer_FitsTheTinyModel()
    {
        var tokenizer = TinyClip.Tokenizer;

        Assert.Equal(TinyClip.VocabSize, tokenizer.VocabSize);
        Assert.Equal(998, tokenizer.SotTokenId);
        Assert.Equal(999, tokenizer.EotTokenId);
    }

    [Fact]
    public void Classify_EqualsTheDirectPromptEnsembleComputation()
    {
        using var directory = new TempDirectory();
        string[] paths = [.. Enumerable.Range(0, 3).Select(i => TinyClip.WritePng(directory, $"image{i}.png", seed: 20 + i))];
        using var pipeline = TinyClip.Pipeline();
        var classifier = new ZeroShotClassifier(pipeline, Classes, Templates);

        var rankings = classifier.Classify(paths);

        var expected = Reference(pipeline, paths);
        Assert.Equal(paths.Length, rankings.Count);
        for (var i = 0; i < paths.Length; i++)
        {
            var ranking = rankings[i];
            Assert.Equal(Classes.Length, ranking.Count);
            Assert.Equal(1.0, ranking.Sum(p => p.Probability), 1e-12);
            for (var k = 1; k < ranking.Count; k++) Assert.True(ranking[k - 1].Probability >= ranking[k].Probability, $"image {i}: not ranked");
            foreach (var p in ranking)
            {
                Assert.Equal(Classes[p.ClassIndex], p.ClassName);
                Assert.True(Math.Abs(p.Probability - expected[i][p.ClassIndex]) <= 1e-5, $"image {i}, {p.ClassName}: {p.Probability} vs {expected[i][p.ClassIndex]}");
            }
        }
    }

    [Fact]
    public void Classify_SingleImage_IsTheBatchRow()
    {
        using var directory = new TempDirectory();
        var path = TinyClip.WritePng(directory, "image.png", seed: 5);
        using var pipeline = TinyClip.Pipeline();
        var classifier = new ZeroShotClassifier(pipeline, Classes);

        Assert.Equal(classifier.Classify([path])[0], classifier.Classify(path));
        Assert.Equal(ZeroShotTemplates.Default, classifier.Templates);
    }

    [Fact]
    public void Constructor_RejectsEmptyOrRepeatedClassesAndTemplatesWithoutPlaceholder()
    {
        using var pipeline = TinyClip.Pipeline();

        Assert.Throws<ArgumentException>(() => new ZeroShotClassifier(pipeline, []));
        Assert.Contains("\"dog\"", Assert.Throws<ArgumentException>(() => new ZeroShotClassifier(pipeline, ["dog", "dog"])).Message);
        Assert.Contains("a photo", Assert.Throws<ArgumentException>(() => new ZeroShotClassifier(pipeline, ["dog"], ["a photo"])).Message);
    }

    /// <summary>
    /// Probabilities per image and class straight from the model: each prompt's text features normalised, averaged
    /// per class and renormalised; image features normalised; softmax of exp(logit_scale)·cosine, all in float64.
    /// </summary>
    private static double[][] Reference(ClipPipeline pipeline, string[] paths)
    {
        var model = pipeline.Model;
        using var _ = Autograd.NoGrad();
        var classEmbeddings = Classes.Select(c =>
        {
            using var tokens = TinyClip.Tokenizer.Tokenize([.. Templates.Select(t => t.Replace("{}", c))]);
            using var features = model.EncodeText(tokens);
            var sum = new double[32];
            foreach (var row in Rows(features)) Add(sum, Unit(row));
            return Unit(sum);
        }).ToArray();
        var scale = Math.Exp(model.LogitScale.Item());
        return [.. paths.Select(path =>
        {
            using var image = pipeline.Preprocessor.Preprocess(path);
            using var batch = image.Reshape(1, 3, 32, 32);
            using var features = model.EncodeImage(batch);
            var embedding = Unit(Rows(features)[0]);
            var logits = classEmbeddings.Select(c => scale * c.Zip(embedding, (a, b) => a * b).Sum()).ToArray();
            var max = logits.Max();
            var exps = logits.Select(l => Math.Exp(l - max)).ToArray();
            return exps.Select(e => e / exps.Sum()).ToArray();
        })];
    }

    private static double[][] Rows(Tensor features)
    {
        var data = features.ToArray();
        var width = features.Size(1);
        return [.. Enumerable.Range(0, features.Size(0)).Select(r => data.AsSpan(r * width, width).ToArray().Select(v => (double)v).ToArray())];
    }

    private static double[] Unit(double[] v)
    {
        var norm = Math.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }

    private static void Add(double[] sum, double[] v)
    {
        for (var i = 0; i < sum.Length; i++) sum[i] += v[i];
    }
}
