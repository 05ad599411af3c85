using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ClipEngine.Clip;

/// <summary>
/// Decodes an untrusted image file into RGBA within <see cref="ImageDecodeLimits"/>: size checked before
/// reading, container checked for truncation, dimensions checked from the header before decoding, first frame
/// only, EXIF orientation applied. Every failure is an <see cref="ImageLoadException"/> naming the file.
/// </summary>
public static class ImageLoader
{
    /// <summary>ImageSharp's formats, with the multi-frame decoders told to stop after the first frame.</summary>
    private static readonly Configuration FirstFrameConfiguration = CreateConfiguration();

    public static Image<Rgba32> Load(string path, ImageDecodeLimits? limits = null, bool applyExifOrientation = true)
    {
        limits ??= ImageDecodeLimits.Default;
        byte[] data;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            data = ReadBounded(file, path, limits);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ImageLoadException(path, "file not found", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageLoadException(path, $"cannot read the file: {e.Message}", e);
        }
        return Decode(data, path, limits, applyExifOrientation);
    }

    /// <summary>Reads the rest of <paramref name="stream"/>; <paramref name="name"/> is what errors call it.</summary>
    public static Image<Rgba32> Load(Stream stream, string name = "<stream>", ImageDecodeLimits? limits = null, bool applyExifOrientation = true)
    {
        limits ??= ImageDecodeLimits.Default;
        byte[] data;
        try
        {
            data = ReadBounded(stream, name, limits);
        }
        catch (IOException e)
        {
            throw new ImageLoadException(name, $"cannot read the stream: {e.Message}", e);
        }
        return Decode(data, name, limits, applyExifOrientation);
    }

    /// <summary>Decodes an encoded file already in memory.</summary>
    public static Image<Rgba32> Decode(byte[] data, string name, ImageDecodeLimits? limits = null, bool applyExifOrientation = true)
    {
        limits ??= ImageDecodeLimits.Default;
        CheckFileSize(name, data.LongLength, limits);
        if (ImageCompleteness.FindDefect(data) is { } defect) throw new ImageLoadException(name, defect);

        IImageInfo? info;
        IImageFormat? format;
        try
        {
            info = Image.Identify(FirstFrameConfiguration, data, out format);
        }
        catch (Exception e) when (IsDecoderFailure(e))
        {
            throw new ImageLoadException(name, $"corrupt image header: {e.Message}", e);
        }
        if (info is null || format is null)
            throw new ImageLoadException(name, "not an image in a format ImageSharp decodes (BMP, GIF, JPEG, PBM, PNG, TGA, TIFF, WebP)");
        var pixels = (long)info.Width * info.Height;
        if (info.Width <= 0 || info.Height <= 0)
            throw new ImageLoadException(name, $"the {format.Name} header declares an empty image ({info.Width}×{info.Height})");
        if (pixels > limits.MaxPixels)
            throw new ImageLoadException(name, $"the {format.Name} header declares {info.Width}×{info.Height} = {pixels} pixels, over the limit of {limits.MaxPixels}");

        Image<Rgba32> image;
        try
        {
            image = Image.Load<Rgba32>(FirstFrameConfiguration, data);
        }
        catch (Exception e) when (IsDecoderFailure(e))
        {
            throw new ImageLoadException(name, $"corrupt {format.Name} data: {e.Message}", e);
        }
        try
        {
            while (image.Frames.Count > 1) image.Frames.RemoveFrame(1);
            if (applyExifOrientation) image.Mutate(x => x.AutoOrient());
            return image;
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    private static byte[] ReadBounded(Stream stream, string name, ImageDecodeLimits limits)
    {
        if (stream.CanSeek)
        {
            var length = stream.Length - stream.Position;
            CheckFileSize(name, length, limits);
            var buffer = new byte[length];
            stream.ReadExactly(buffer);
            return buffer;
        }
        using var copy = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (copy.Length + read > limits.MaxFileBytes)
                throw new ImageLoadException(name, $"the stream holds more than {limits.MaxFileBytes} bytes, the file size limit");
            copy.Write(chunk, 0, read);
        }
        CheckFileSize(name, copy.Length, limits);
        return copy.ToArray();
    }

    private static void CheckFileSize(string name, long length, ImageDecodeLimits limits)
    {
        if (length == 0) throw new ImageLoadException(name, "the file is empty");
        if (length > limits.MaxFileBytes)
            throw new ImageLoadException(name, $"the file is {length} bytes, over the limit of {limits.MaxFileBytes} bytes");
    }

    /// <summary>
    /// ImageSharp reports most bad input as ImageFormatException, but malformed data can surface as other
    /// exception types from inside a decoder; all of them are the file's fault. Cancellation and running out of
    /// memory are not.
    /// </summary>
    private static bool IsDecoderFailure(Exception e) => e is not (OperationCanceledException or OutOfMemoryException);

    private static Configuration CreateConfiguration()
    {
        var configuration = Configuration.Default.Clone();
        configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        configuration.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
        return configuration;
    }
}
