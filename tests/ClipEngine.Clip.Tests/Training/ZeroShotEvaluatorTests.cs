using ClipEngine.Clip.Training;

namespace ClipEngine.Clip.Tests.Training;

public sealed class ZeroShotEvaluatorTests : IDisposable
{
    private static readonly string[] ClassNames = ["circle", "square", "triangle", "star", "cross", "ring", "heart"];
    private static readonly string[] Templates = ["a {}", "a photo of a {}", "a drawing of the {}"];

    private readonly ClipModel _model = ClipModel.FromConfig(TrainingData.Config, seed: 8);
    private readonly Tensor _images = TrainingData.Images(20, seed: 41);
    private readonly int[] _labels = [.. Enumerable.Range(0, 20).Select(i => i * 3 % ClassNames.Length)];

    public void Dispose()
    {
        _model.Dispose();
        _images.Dispose();
    }

    /// <summary>A stand-in tokenizer: SOT, one id per word (a stable hash into the vocabulary), EOT, padding.</summary>
    private static Tensor Tokenize(IReadOnlyList<string> texts)
    {
        var ids = new long[texts.Count * TrainingData.ContextLength];
        for (var t = 0; t < texts.Count; t++)
        {
            var row = ids.AsSpan(t * TrainingData.ContextLength, TrainingData.ContextLength);
            var words = texts[t].Split(' ');
            row[0] = TrainingData.Sot;
            for (var w = 0; w < words.Length; w++) row[w + 1] = 1 + words[w].Aggregate(7, (h, c) => h * 31 + c) % (TrainingData.Sot - 1);
            row[words.Length + 1] = TrainingData.Eot;
        }
        return Tensor.FromArray(ids, texts.Count, TrainingData.ContextLength);
    }

    [Fact]
    public void CountCorrectRanksTheLabelAmongTheScores()
    {
        float[] scores =
        [
            0.9f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, // label 0: best → top-1
            0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.1f, // label 4: fifth → top-5 only
            0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.1f, // label 5: sixth → neither
            0.5f, 0.5f, 0.1f, 0.1f, 0.1f, 0.1f, // label 1: tied for first → top-1
            float.NaN, 0f, 0f, 0f, 0f, 0f,      // label 0: NaN → neither
        ];
        Assert.Equal((2, 3), ZeroShotEvaluator.CountCorrect(scores, 6, [0, 4, 5, 1, 0]));
        Assert.Equal((0, 1), ZeroShotEvaluator.CountCorrect([0.1f, 0.2f, 0.3f], 3, [0]));
        Assert.Throws<ArgumentException>(() => ZeroShotEvaluator.CountCorrect([0.1f, 0.2f], 2, [2]));
    }

    [Fact]
    public void AccuracyMatchesAFloat64ClassifierOverTheModelsFeatures()
    {
        var evaluator = ZeroShotEvaluator.FromTensors("shapes", _images, _labels, ClassNames, Templates, Tokenize, batchSize: 6);
        var result = evaluator.Evaluate(_model);

        var (top1, top5) = Float64Reference();
        Assert.Equal("shapes", result.Name);
        Assert.Equal(20, result.Samples);
        Assert.Equal(ClassNames.Length, result.Classes);
        Assert.Equal(top1, result.Top1, 1e-12);
        Assert.Equal(top5, result.Top5, 1e-12);
        Assert.All(_model.Parameters(), p => Assert.Null(p.Grad));
    }

    /// <summary>open_clip's zero-shot classifier in float64 over the model's (fp32) features, ranking by sorting.</summary>
    private (double Top1, double Top5) Float64Reference()
    {
        using var scope = TensorScope.Begin();
        using var _ = Autograd.NoGrad();
        static double[] Normalized(IEnumerable<float> v)
        {
            var d = v.Select(x => (double)x).ToArray();
            var norm = Math.Sqrt(d.Sum(x => x * x));
            return [.. d.Select(x => x / norm)];
        }
        var dim = TrainingData.Config.EmbedDim;
        var classes = ClassNames.Select(c =>
        {
            var prompts = Templates.Select(t => t.Replace("{}", c)).ToList();
            var features = _model.EncodeText(Tokenize(prompts)).ToArray();
            var mean = new double[dim];
            for (var p = 0; p < prompts.Count; p++)
            {
                var row = Normalized(features.Skip(p * dim).Take(dim));
                for (var k = 0; k < dim; k++) mean[k] += row[k] / prompts.Count;
            }
            return Normalized(mean.Select(x => (float)x));
        }).ToArray();
        var images = _model.EncodeImage(_images).ToArray();
        int top1 = 0, top5 = 0;
        for (var i = 0; i < _labels.Length; i++)
        {
            var image = Normalized(images.Skip(i * dim).Take(dim));
            var ranking = Enumerable.Range(0, classes.Length)
                .OrderByDescending(c => classes[c].Zip(image, (a, b) => a * b).Sum())
                .ToList();
            if (ranking[0] == _labels[i]) top1++;
            if (ranking.Take(5).Contains(_labels[i])) top5++;
        }
        return ((double)top1 / _labels.Length, (double)top5 / _labels.Length);
    }

    [Fact]
    public void TemplatesNeedAPlaceForTheClassName()
    {
        var error = Assert.Throws<ArgumentException>(() => new ZeroShotEvaluator("x", ClassNames, ["a photo"], Tokenize, () => []));
        Assert.Contains("a photo", error.Message);
    }
}
