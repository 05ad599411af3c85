using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ClipEngine.Clip.Data;

/// <summary>The evaluation transform, OpenAI's preprocess: resize the shortest side to R (bicubic), centre-crop R × R. Ignores the key.</summary>
public sealed class ResizeCenterCrop : IImageAugmentation
{
    public ResizeCenterCrop(int resolution)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resolution);
        Resolution = resolution;
    }

    public int Resolution { get; }

    public void Apply(Image<Rgb24> image, SampleKey key)
    {
        ImageTransforms.ResizeShortestSide(image, Resolution);
        ImageTransforms.CenterCrop(image, Resolution);
    }
}
