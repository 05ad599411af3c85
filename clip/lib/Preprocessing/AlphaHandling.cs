namespace ClipEngine.Clip;

/// <summary>How an image with transparency becomes RGB.</summary>
public enum AlphaHandling
{
    /// <summary>
    /// Blend over opaque white: out = round((c·α + 255·(255 − α)) / 255). What a viewer shows on a white page;
    /// independent of the colour an encoder happened to store under transparent pixels.
    /// </summary>
    CompositeOnWhite,

    /// <summary>
    /// Keep the stored colour and ignore α, as OpenAI's <c>_convert_image_to_rgb</c> (PIL <c>convert("RGB")</c>)
    /// does; fully transparent areas show whatever the encoder left there, often black.
    /// </summary>
    Drop,
}
