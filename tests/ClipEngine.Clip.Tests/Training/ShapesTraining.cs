using ClipEngine.Clip.Data;
using ClipEngine.Clip.Tokenization;
using ClipEngine.Clip.Training;

namespace ClipEngine.Clip.Tests.Training;

/// <summary>The built-in data's tokenizer (learnt once per test run) and a CLIP small enough to train in seconds on it.</summary>
internal static class ShapesTraining
{
    public const int ImageSize = 16;

    private static readonly Lazy<ClipTokenizer> LazyTokenizer = new(() => ShapesTokenizer.Train(new ShapesDataset(BuiltinTraining.DatasetOptions())));

    public static ClipTokenizer Tokenizer => LazyTokenizer.Value;

    public static ShapesDataset Dataset() => new(BuiltinTraining.DatasetOptions(ImageSize));

    public static Func<IReadOnlyList<string>, Tensor> Tokenize => BuiltinTraining.Tokenize(Tokenizer);

    /// <summary>16-px images in 2×2 patches of 8, two blocks per tower, 32 wide; the built-in context and vocabulary.</summary>
    public static ClipConfig Config => new()
    {
        EmbedDim = 32,
        Vision = new VisionConfig { ImageSize = ImageSize, PatchSize = 8, Width = 32, Layers = 2, HeadWidth = 16 },
        Text = new TextConfig { ContextLength = BuiltinTraining.ContextLength, VocabSize = Tokenizer.VocabSize, Width = 32, Heads = 2, Layers = 2 },
    };

    public static TrainOptions Options(string outputDir) => new()
    {
        ModelConfig = Config,
        BatchSize = 16,
        Steps = 6,
        Lr = 2e-3,
        Warmup = 2,
        Wd = 0.1,
        OutputDir = outputDir,
        Seed = 5,
    };
}
