using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ClipEngine.Clip;

/// <summary>
/// OpenAI's <c>clip.load</c> preprocess — Resize(R, bicubic) of the shortest side, CenterCrop(R), ToTensor,
/// Normalize — on ImageSharp, for untrusted files. Where it departs from the original (EXIF orientation,
/// transparency, truncated files, resampling arithmetic, JPEG decoding) is listed in README.md beside this
/// file. Immutable, so one instance serves many threads.
/// </summary>
public sealed class ImagePreprocessor : ImageInputSettings
{
    /// <summary>The per-channel mean of OpenAI's training images (open_clip's OPENAI_DATASET_MEAN).</summary>
    public static IReadOnlyList<float> OpenAIDatasetMean { get; } = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>The per-channel standard deviation of OpenAI's training images (open_clip's OPENAI_DATASET_STD).</summary>
    public static IReadOnlyList<float> OpenAIDatasetStd { get; } = [0.26862954f, 0.26130258f, 0.27577711f];

    private readonly int _maxDegreeOfParallelism = Environment.ProcessorCount;

    /// <param name="resolution">The model's input size R (the vision config's image_size).</param>
    public ImagePreprocessor(int resolution)
    {
        if (resolution <= 0) throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "the resolution must be positive");
        Resolution = resolution;
    }

    public int Resolution { get; }

    /// <summary>How many files <see cref="PreprocessBatch"/> decodes at once.</summary>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        init => _maxDegreeOfParallelism = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), value, "must be positive");
    }

    private int ImageFloats => 3 * Resolution * Resolution;

    /// <summary>The [3, R, R] float32 input for one image file.</summary>
    public Tensor Preprocess(string path, Device? device = null)
    {
        var chw = new float[ImageFloats];
        PreprocessInto(path, chw);
        return ToTensor(chw, device);
    }

    /// <summary>The [3, R, R] float32 input for the encoded image in the rest of <paramref name="stream"/>.</summary>
    public Tensor Preprocess(Stream stream, string name = "<stream>", Device? device = null)
    {
        using var decoded = ImageLoader.Load(stream, name, Limits, ApplyExifOrientation);
        return PreprocessDecoded(decoded, device);
    }

    /// <summary>The [3, R, R] float32 input for an image already in memory; the image is not modified.</summary>
    public Tensor Preprocess(Image image, Device? device = null)
    {
        if (image is Image<Rgb24> rgb)
        {
            using var copy = rgb.Clone();
            if (ApplyExifOrientation) copy.Mutate(x => x.AutoOrient());
            return ToTensor(ResizeCropNormalize(copy), device);
        }
        using var rgba = image.CloneAs<Rgba32>();
        if (ApplyExifOrientation) rgba.Mutate(x => x.AutoOrient());
        return PreprocessDecoded(rgba, device);
    }

    /// <summary>
    /// Decodes and preprocesses files in parallel into one [n, 3, R, R] tensor of those that succeeded, in input
    /// order, with a result per file. A bad file is an error in its result and never stops the others, unless
    /// <paramref name="throwOnFirstFailure"/>, which throws the failed file's <see cref="ImageLoadException"/>
    /// (of those seen before stopping, the earliest in input order).
    /// </summary>
    public PreprocessBatchResult PreprocessBatch(IReadOnlyList<string> paths, bool throwOnFirstFailure = false, Device? device = null)
    {
        var stride = ImageFloats;
        var data = new float[checked(paths.Count * stride)];
        var errors = new ImageLoadException?[paths.Count];
        Parallel.For(0, paths.Count, new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism }, (i, state) =>
        {
            try
            {
                PreprocessInto(paths[i], data.AsSpan(i * stride, stride));
            }
            catch (ImageLoadException e)
            {
                errors[i] = e;
                if (throwOnFirstFailure) state.Stop();
            }
        });
        if (throwOnFirstFailure && errors.FirstOrDefault(e => e is not null) is { } first) throw first;

        // Close the gaps left by failed files, keeping input order; rows only ever move towards the front.
        var files = new ImageFileResult[paths.Count];
        var count = 0;
        for (var i = 0; i < paths.Count; i++)
        {
            if (errors[i] is { } error)
            {
                files[i] = new ImageFileResult(paths[i], null, error);
                continue;
            }
            if (count != i) Array.Copy(data, (long)i * stride, data, (long)count * stride, stride);
            files[i] = new ImageFileResult(paths[i], count++, null);
        }
        var images = Tensor.FromSpan<float>(data.AsSpan(0, count * stride), [count, 3, Resolution, Resolution], DType.F32, device);
        return new PreprocessBatchResult(images, files);
    }

    /// <summary>Decode, convert, resize, crop and normalise one file into <paramref name="chw"/> (3·R·R floats).</summary>
    public void PreprocessInto(string path, Span<float> chw)
    {
        using var decoded = ImageLoader.Load(path, Limits, ApplyExifOrientation);
        using var rgb = RgbConversion.ToRgb(decoded, Alpha);
        ResizeCropNormalize(rgb, chw);
    }

    private Tensor PreprocessDecoded(Image<Rgba32> decoded, Device? device)
    {
        using var rgb = RgbConversion.ToRgb(decoded, Alpha);
        return ToTensor(ResizeCropNormalize(rgb), device);
    }

    private float[] ResizeCropNormalize(Image<Rgb24> rgb)
    {
        var chw = new float[ImageFloats];
        ResizeCropNormalize(rgb, chw);
        return chw;
    }

    /// <summary>The shared tail of every entry point; modifies <paramref name="rgb"/>.</summary>
    private void ResizeCropNormalize(Image<Rgb24> rgb, Span<float> chw)
    {
        ImageTransforms.ResizeShortestSide(rgb, Resolution);
        ImageTransforms.CenterCrop(rgb, Resolution);
        Normalizer.WriteChw(rgb, chw);
    }

    private Tensor ToTensor(float[] chw, Device? device) =>
        Tensor.FromSpan<float>(chw, [3, Resolution, Resolution], DType.F32, device);
}
