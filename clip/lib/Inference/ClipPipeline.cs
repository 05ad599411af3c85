using ClipEngine.Clip.Tokenization;
using SixLabors.ImageSharp;

namespace ClipEngine.Clip;

/// <summary>
/// Inference with a pretrained CLIP: the model, its tokenizer and its image preprocessing (at the model's
/// resolution) behind one object, as <c>clip.load</c> hands out. Inputs go through the model in batches of
/// <see cref="BatchSize"/> without recording gradients. Raw features (<c>Encode…Features</c>) come back as a CPU
/// tensor [n, embed_dim] in input order; embeddings (<c>EncodeImages</c>, <c>EncodeTexts</c>) as L2-normalised rows,
/// ready for cosine similarity. With <see cref="Precision"/> BF16 the model runs under <see cref="Autocast"/> (bf16
/// GEMMs and activations on a device that supports them, as under torch.autocast; features come back as F32). Nothing
/// is mutated after construction, so one pipeline serves many threads at once. Owns the model: disposing the pipeline
/// disposes it.
/// </summary>
public sealed class ClipPipeline : IDisposable
{
    public const int DefaultBatchSize = 32;

    private readonly ClipTokenizer? _tokenizer;

    /// <param name="tokenizer">Needed for text; its end-of-text id must be the model's and its ids must fit the model's vocabulary.</param>
    /// <param name="preprocessor">Defaults to OpenAI's preprocessing at the model's image size.</param>
    /// <param name="precision">F32, or BF16 for bf16 autocast where the device supports it.</param>
    public ClipPipeline(ClipModel model, ClipTokenizer? tokenizer = null, ImagePreprocessor? preprocessor = null, int batchSize = DefaultBatchSize, DType precision = DType.F32)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (precision is not (DType.F32 or DType.BF16))
            throw new ArgumentException($"a CLIP pipeline computes in F32 or BF16, not {precision}", nameof(precision));
        var resolution = model.Config.Vision.ImageSize;
        if (preprocessor is not null && preprocessor.Resolution != resolution)
            throw new ArgumentException($"the preprocessor makes {preprocessor.Resolution}×{preprocessor.Resolution} images but the model takes {resolution}×{resolution}", nameof(preprocessor));
        if (tokenizer is not null) CheckTokenizer(tokenizer, model.Config.Text);
        Model = model;
        _tokenizer = tokenizer;
        Preprocessor = preprocessor ?? new ImagePreprocessor(resolution);
        BatchSize = batchSize;
        Precision = precision;
    }

    public ClipModel Model { get; }

    /// <summary>The tokenizer, or an error saying how to give one when the pipeline was built without.</summary>
    public ClipTokenizer Tokenizer => _tokenizer
        ?? throw new InvalidOperationException("this CLIP pipeline has no tokenizer, so it cannot encode text: load it with the vocabulary file that comes with the weights (bpe_simple_vocab_16e6.txt.gz, or tokenizer.json / vocab.json + merges.txt)");

    public bool HasTokenizer => _tokenizer is not null;

    public ImagePreprocessor Preprocessor { get; }

    /// <summary>Most images or texts per forward pass.</summary>
    public int BatchSize { get; }

    public Device Device => Model.Device;

    /// <summary>F32, or BF16: the forward passes run under <see cref="Autocast"/> (a no-op on a device without BF16 kernels).</summary>
    public DType Precision { get; }

    /// <summary>The token rows' length the text encoder takes (77 for CLIP).</summary>
    public int ContextLength => Model.Config.Text.ContextLength;

    /// <summary>
    /// A pipeline from a checkpoint (see <see cref="ClipModel.Load(string, Device?, string?)"/> for the formats and
    /// <paramref name="config"/>) and, for text, a vocabulary file (see <see cref="LoadTokenizer"/>).
    /// </summary>
    public static ClipPipeline Load(string modelPath, string? vocabPath = null, Device? device = null, string? config = null, int batchSize = DefaultBatchSize, DType precision = DType.F32)
    {
        var tokenizer = vocabPath is null ? null : LoadTokenizer(vocabPath);
        var model = ClipModel.Load(modelPath, device, config);
        try
        {
            return new ClipPipeline(model, tokenizer, batchSize: batchSize, precision: precision);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A tokenizer from the file that comes with the weights: OpenAI's <c>bpe_simple_vocab_16e6.txt.gz</c> (or any
    /// OpenAI-format merges file, <c>.txt</c> or <c>.txt.gz</c>), a Hugging Face <c>tokenizer.json</c>, or a Hugging
    /// Face <c>vocab.json</c> or <c>merges.txt</c> with the other one beside it.
    /// </summary>
    public static ClipTokenizer LoadTokenizer(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: vocabulary file not found", path);
        var name = Path.GetFileName(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (name.Equals("vocab.json", StringComparison.OrdinalIgnoreCase))
            return ClipTokenizer.FromHuggingFace(path, Beside(directory, "merges.txt", path));
        if (name.Equals("merges.txt", StringComparison.OrdinalIgnoreCase))
            return ClipTokenizer.FromHuggingFace(Beside(directory, "vocab.json", path), path);
        if (name.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return ClipTokenizer.FromHuggingFaceTokenizerJson(path);
        return ClipTokenizer.FromOpenAiVocab(path);
    }

    /// <summary>Raw image features [n, embed_dim] (CPU) of image files, in order; the first file that cannot be read throws its <see cref="ImageLoadException"/>.</summary>
    public Tensor EncodeImageFeatures(IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        return Batched(paths.Count, (start, count) =>
        {
            using var batch = Preprocessor.PreprocessBatch(Slice(paths, start, count), throwOnFirstFailure: true, device: Device);
            return Model.EncodeImage(batch.Images);
        });
    }

    /// <summary>Raw image features [n, embed_dim] (CPU) of images in memory, in order; the images are not modified.</summary>
    public Tensor EncodeImageFeatures(IReadOnlyList<Image> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return Batched(images.Count, (start, count) =>
        {
            var rows = new Tensor[count];
            for (var i = 0; i < count; i++) rows[i] = Preprocessor.Preprocess(images[start + i], Device);
            return Model.EncodeImage(Ops.Stack(rows));
        });
    }

    /// <summary>Raw image features [n, embed_dim] (CPU) of images already preprocessed: [n, 3, R, R], floating point, any device.</summary>
    public Tensor EncodeImageFeatures(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var size = Model.Config.Vision.ImageSize;
        if (images.Rank != 4 || images.Size(1) != 3 || images.Size(2) != size || images.Size(3) != size || !images.DType.IsFloatingPoint())
            throw new ArgumentException($"preprocessed images must be a floating-point tensor [n, 3, {size}, {size}] for this model, got {ShapeUtil.Format(images.Shape)} {images.DType}", nameof(images));
        return Batched(images.Size(0), (start, count) => Model.EncodeImage(OnDevice(Ops.Slice(images, 0, start, count), DType.F32)));
    }

    /// <summary>Raw text features [n, embed_dim] (CPU), in order. A text longer than the context is an error unless <paramref name="truncate"/>.</summary>
    public Tensor EncodeTextFeatures(IReadOnlyList<string> texts, bool truncate = false)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var tokenizer = Tokenizer;
        return Batched(texts.Count, (start, count) =>
            Model.EncodeText(tokenizer.Tokenize(Slice(texts, start, count), ContextLength, truncate)));
    }

    /// <summary>Raw text features [n, embed_dim] (CPU) of token rows [n, L] (integers, L ≤ the context length, any device).</summary>
    public Tensor EncodeTextFeatures(Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Rank != 2 || tokens.DType is not (DType.I32 or DType.I64))
            throw new ArgumentException($"tokens must be an I32 or I64 tensor [n, L], got {ShapeUtil.Format(tokens.Shape)} {tokens.DType}", nameof(tokens));
        // Tokens on the CPU stay there: the text encoder reads them on the host anyway.
        return Batched(tokens.Size(0), (start, count) =>
        {
            var slice = Ops.Slice(tokens, 0, start, count);
            return Model.EncodeText(slice.Device == Device.Cpu ? slice : OnDevice(slice, tokens.DType));
        });
    }

    /// <summary>L2-normalised embeddings of image files, one row per file.</summary>
    public float[][] EncodeImages(IReadOnlyList<string> paths) => NormalizedRows(EncodeImageFeatures(paths));

    /// <summary>L2-normalised embeddings of images in memory, one row per image.</summary>
    public float[][] EncodeImages(IReadOnlyList<Image> images) => NormalizedRows(EncodeImageFeatures(images));

    /// <summary>L2-normalised embeddings of preprocessed images [n, 3, R, R], one row per image.</summary>
    public float[][] EncodeImages(Tensor images) => NormalizedRows(EncodeImageFeatures(images));

    /// <summary>L2-normalised embeddings of texts, one row per text.</summary>
    public float[][] EncodeTexts(IReadOnlyList<string> texts, bool truncate = false) => NormalizedRows(EncodeTextFeatures(texts, truncate));

    /// <summary>The rows of a [n, d] feature tensor scaled to unit length (in float64, then rounded), as CLIP compares them.</summary>
    public static float[][] NormalizedRows(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        using (features)
        {
            var rows = Rows(features);
            foreach (var row in rows)
            {
                double norm = 0;
                foreach (var v in row) norm += (double)v * v;
                var scale = 1 / Math.Max(Math.Sqrt(norm), 1e-12);
                for (var i = 0; i < row.Length; i++) row[i] = (float)(row[i] * scale);
            }
            return rows;
        }
    }

    public void Dispose() => Model.Dispose();

    /// <summary>The rows of a [n, d] tensor as arrays.</summary>
    internal static float[][] Rows(Tensor matrix)
    {
        if (matrix.Rank != 2) throw new ArgumentException($"expected a matrix, got {ShapeUtil.Format(matrix.Shape)}", nameof(matrix));
        var (n, d) = (matrix.Size(0), matrix.Size(1));
        var data = matrix.ToArray();
        var rows = new float[n][];
        for (var i = 0; i < n; i++) rows[i] = data.AsSpan(i * d, d).ToArray();
        return rows;
    }

    /// <summary>
    /// Runs <paramref name="encode"/> over [start, start + count) windows of <paramref name="total"/> inputs, without
    /// grad and at <see cref="Precision"/>, each batch's intermediates freed before the next, and gathers the outputs
    /// into one F32 CPU tensor.
    /// </summary>
    private Tensor Batched(int total, Func<int, int, Tensor> encode)
    {
        var embedDim = Model.Config.EmbedDim;
        var result = new float[checked(total * embedDim)];
        using (Autograd.NoGrad())
        using (Autocast.Enable(Precision))
        {
            for (var start = 0; start < total; start += BatchSize)
            {
                var count = Math.Min(BatchSize, total - start);
                using var scope = TensorScope.Begin();
                var features = encode(start, count);
                features.ToArray().CopyTo(result.AsSpan(start * embedDim, count * embedDim));
            }
        }
        return Tensor.FromSpan<float>(result, [total, embedDim], DType.F32);
    }

    private Tensor OnDevice(Tensor tensor, DType dtype)
    {
        var converted = tensor.DType == dtype ? tensor : tensor.To(dtype);
        return converted.Device == Device ? converted : converted.To(Device);
    }

    private static string[] Slice(IReadOnlyList<string> items, int start, int count)
    {
        var slice = new string[count];
        for (var i = 0; i < count; i++) slice[i] = items[start + i];
        return slice;
    }

    private static string Beside(string directory, string name, string pairedWith)
    {
        var path = Path.Combine(directory, name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{pairedWith}: a Hugging Face vocabulary needs {name} beside it ({path} not found)", path);
    }

    private static void CheckTokenizer(ClipTokenizer tokenizer, TextConfig text)
    {
        if (tokenizer.EotTokenId != text.EotTokenId)
            throw new ArgumentException($"the tokenizer's <|endoftext|> is id {tokenizer.EotTokenId} but the model pools text at id {text.EotTokenId}: the vocabulary file does not belong to these weights", nameof(tokenizer));
        if (tokenizer.VocabSize > text.VocabSize)
            throw new ArgumentException($"the tokenizer has {tokenizer.VocabSize} ids but the model's token embedding has only {text.VocabSize}: the vocabulary file does not belong to these weights", nameof(tokenizer));
    }
}
