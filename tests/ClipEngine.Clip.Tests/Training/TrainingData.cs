using ClipEngine.Clip.Training;

namespace ClipEngine.Clip.Tests.Training;

/// <summary>A very small CLIP and random image–caption pairs for it, all from fixed seeds; and throwaway run directories.</summary>
internal static class TrainingData
{
    public const int ContextLength = 12;
    public const int VocabSize = 64;
    public const int Sot = VocabSize - 2;
    public const int Eot = VocabSize - 1;

    public static ClipConfig Config { get; } = new()
    {
        EmbedDim = 16,
        Vision = new VisionConfig { ImageSize = 16, Width = 32, Layers = 2, PatchSize = 8, HeadWidth = 16 },
        Text = new TextConfig { ContextLength = ContextLength, VocabSize = VocabSize, Width = 32, Heads = 2, Layers = 2 },
    };

    /// <summary>Options for the small model with a short cosine schedule; tests override what they exercise.</summary>
    public static TrainOptions Options(string outputDir) => new()
    {
        ModelConfig = Config,
        BatchSize = 4,
        Steps = 6,
        Lr = 1e-3,
        Warmup = 2,
        OutputDir = outputDir,
        Seed = 3,
    };

    /// <summary>Images [n, 3, 16, 16] from N(0, 1).</summary>
    public static Tensor Images(int n, ulong seed) => Tensor.Randn([n, 3, 16, 16], new Generator(seed));

    /// <summary>Tokens [n, 12]: SOT, 1 to 9 random word ids, EOT, zero padding.</summary>
    public static Tensor Tokens(int n, int seed)
    {
        var random = new Random(seed);
        var ids = new long[n * ContextLength];
        for (var i = 0; i < n; i++)
        {
            var row = ids.AsSpan(i * ContextLength, ContextLength);
            var words = random.Next(1, ContextLength - 2);
            row[0] = Sot;
            for (var w = 1; w <= words; w++) row[w] = random.Next(1, Sot);
            row[words + 1] = Eot;
        }
        return Tensor.FromArray(ids, n, ContextLength);
    }

    /// <summary>A unique empty directory under the system's temporary directory, deleted on dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("clip-train-").FullName;

        public void Dispose()
        {
            if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
        }
    }
}
