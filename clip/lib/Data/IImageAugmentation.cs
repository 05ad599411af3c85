using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ClipEngine.Clip.Data;

/// <summary>A geometric transform from a decoded RGB image to the model's Resolution × Resolution input.</summary>
public interface IImageAugmentation
{
    int Resolution { get; }

    /// <summary>Transforms <paramref name="image"/> in place; afterwards it is <see cref="Resolution"/> square.</summary>
    void Apply(Image<Rgb24> image, SampleKey key);
}
