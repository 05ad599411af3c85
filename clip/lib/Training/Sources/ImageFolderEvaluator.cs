using System.Text;

namespace ClipEngine.Clip.Training;

/// <summary>
/// Zero-shot accuracy on an image folder dataset as torchvision's ImageFolder lays it out: one sub-folder per class
/// (in ordinal order of the folder names), the class's images inside. Class names are the folder names with
/// underscores as spaces, or the lines of a names file (one per class, in folder order). Images are resized and
/// centre-cropped as for inference; an unreadable image is skipped and counted, never fatal.
/// </summary>
public sealed class ImageFolderEvaluator : IZeroShotEvaluator
{
    /// <summary>Most images read from one folder dataset.</summary>
    public const int MaxImages = 1_000_000;

    /// <summary>Largest class names file read, in bytes.</summary>
    public const int MaxNamesFileBytes = 1 << 20;

    /// <summary>File extensions taken as images (case-insensitive).</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = [".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"];

    private readonly (string Path, int Label)[] _images;
    private readonly ImagePreprocessor _preprocessor;
    private readonly ZeroShotEvaluator _evaluator;
    private readonly int _batchSize;
    private long _unreadable;

    /// <param name="root">The folder of class folders.</param>
    /// <param name="resolution">The model's input size.</param>
    /// <param name="tokenize">Prompts → tokens [N, L], as the model was trained with.</param>
    /// <param name="classNamesFile">One class name per line, in the order of the folders; null: the folder names.</param>
    /// <param name="templates">Prompt templates with "{}" for the class name; null: <see cref="ZeroShotTemplates.Default"/>.</param>
    public ImageFolderEvaluator(string root, int resolution, Func<IReadOnlyList<string>, Tensor> tokenize,
        string? classNamesFile = null, IReadOnlyList<string>? templates = null, int batchSize = 64)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(tokenize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (!System.IO.Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: the image folder does not exist");
        var folders = new DirectoryInfo(root).GetDirectories().Select(d => d.Name).Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToArray();
        if (folders.Length == 0) throw new InvalidDataException($"{root}: no class folders (expected one sub-folder per class, holding its images)");
        ClassNames = classNamesFile is null ? [.. folders.Select(f => f.Replace('_', ' '))] : LoadClassNames(classNamesFile, folders.Length);
        _images = [.. ListImages(root, folders)];
        if (_images.Length == 0) throw new InvalidDataException($"{root}: the {folders.Length} class folders hold no images ({string.Join(", ", ImageExtensions)})");
        Root = root;
        _batchSize = batchSize;
        _preprocessor = new ImagePreprocessor(resolution);
        _evaluator = new ZeroShotEvaluator(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(root))), ClassNames,
            templates ?? ZeroShotTemplates.Default, tokenize, Batches);
    }

    public string Root { get; }

    public string Name => _evaluator.Name;

    public IReadOnlyList<string> ClassNames { get; }

    public int ImageCount => _images.Length;

    /// <summary>Images skipped as unreadable in the last <see cref="Evaluate"/>.</summary>
    public long Unreadable => Interlocked.Read(ref _unreadable);

    /// <summary>Top-1 accuracy of a uniform guess.</summary>
    public double ChanceLevel => 1.0 / ClassNames.Count;

    public ZeroShotResult Evaluate(ClipModel model)
    {
        Interlocked.Exchange(ref _unreadable, 0);
        return _evaluator.Evaluate(model);
    }

    /// <summary>Class names, one a line (blank lines and lines starting with # skipped); there must be one per class folder.</summary>
    public static IReadOnlyList<string> LoadClassNames(string path, int expected)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"{path}: class names file not found", path);
        if (info.Length > MaxNamesFileBytes) throw new FormatException($"{path}: a class names file of {info.Length} bytes is larger than the limit of {MaxNamesFileBytes}");
        var names = File.ReadLines(path, Encoding.UTF8).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        return names.Length == expected ? names
            : throw new FormatException($"{path}: {names.Length} class names for {expected} class folders (one name a line, in the folders' sorted order)");
    }

    private static IEnumerable<(string Path, int Label)> ListImages(string root, string[] folders)
    {
        var count = 0;
        for (var label = 0; label < folders.Length; label++)
        {
            var files = System.IO.Directory.EnumerateFiles(Path.Combine(root, folders[label]))
                .Where(f => ImageExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal);
            foreach (var file in files)
            {
                if (++count > MaxImages) throw new InvalidDataException($"{root}: more than {MaxImages} images");
                yield return (file, label);
            }
        }
    }

    private IEnumerable<LabeledBatch> Batches()
    {
        for (var start = 0; start < _images.Length; start += _batchSize)
        {
            var chunk = _images[start..Math.Min(start + _batchSize, _images.Length)];
            var result = _preprocessor.PreprocessBatch([.. chunk.Select(c => c.Path)]);
            // Files come back in input order, so file i is chunk[i].
            var labels = chunk.Where((_, i) => result.Files[i].Succeeded).Select(c => c.Label);
            Interlocked.Add(ref _unreadable, result.Errors.Count);
            if (result.Images.Size(0) == 0)
            {
                result.Dispose();
                continue;
            }
            yield return new LabeledBatch(result.Images, [.. labels]);
        }
    }
}
