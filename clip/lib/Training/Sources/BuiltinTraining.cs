using ClipEngine.Clip.Data;
using ClipEngine.Clip.Tokenization;

namespace ClipEngine.Clip.Training;

/// <summary>
/// The default run: a small CLIP trained on the built-in <see cref="ShapesDataset"/> with its own BPE vocabulary,
/// sized to finish in about ten minutes on two CPU cores and to end far above chance on the held-out colour × shape
/// pairs. The dataset is fixed (seed <see cref="DataSeed"/>) whatever the training seed, so every run and the
/// <c>eval</c> command see the same training stream and evaluation sets.
/// </summary>
public static class BuiltinTraining
{
    public const int ImageSize = 64;

    public const int ContextLength = 24;

    public const ulong DataSeed = 0;

    public static ShapesOptions DatasetOptions(int imageSize = ImageSize) => new() { ImageSize = imageSize, Seed = DataSeed };

    /// <summary>The default model for a vocabulary of <paramref name="vocabSize"/> ids whose last is EOT.</summary>
    public static ClipConfig ModelConfig(int vocabSize) => new()
    {
        EmbedDim = 128,
        Vision = new VisionConfig { ImageSize = ImageSize, PatchSize = 8, Width = 128, Layers = 4, HeadWidth = 64 },
        Text = new TextConfig { ContextLength = ContextLength, VocabSize = vocabSize, Width = 128, Heads = 2, Layers = 3 },
    };

    /// <summary>The default run's options for a model config and output directory.</summary>
    public static TrainOptions Options(ClipConfig model, string outputDir) => new()
    {
        ModelConfig = model,
        BatchSize = 64,
        Steps = 2400,
        Lr = 5e-4,
        Warmup = 100,
        Wd = 0.1,
        ZeroshotEverySteps = 400,
        SaveEverySteps = 400,
        OutputDir = outputDir,
    };

    /// <summary>Tokens of texts for the built-in model: truncated to <paramref name="contextLength"/>, which the dataset's captions never reach.</summary>
    public static Func<IReadOnlyList<string>, Tensor> Tokenize(ClipTokenizer tokenizer, int contextLength = ContextLength) =>
        texts => tokenizer.Tokenize(texts, contextLength, truncate: true);
}
