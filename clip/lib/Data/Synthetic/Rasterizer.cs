namespace ClipEngine.Clip.Data;

/// <summary>
/// Draws scenes into planar RGB images [3, R, R] with values in [0, 1]. An object is composited over what is
/// there by its coverage of each pixel: 1 or 0 where the pixel's centre is more than half a pixel diagonal inside or
/// outside the outline (decided by the exact signed distance), otherwise the fraction of an n×n grid of subsamples
/// inside the outline. Only the object's bounding square is visited.
/// </summary>
internal static class Rasterizer
{
    private const float HalfDiagonal = 0.70711f;

    public static void Render(ShapesScene scene, Span<float> image, int size, int supersampling, in SampleRandom random)
    {
        Fill(image, size, scene.Background.Color);
        foreach (var o in scene.Objects) Draw(image, size, o, supersampling);
        if (scene.Background.Noise > 0) AddNoise(image, size, scene.Background.Noise, random);
    }

    public static void Fill(Span<float> image, int size, Rgb color)
    {
        var plane = size * size;
        for (var c = 0; c < 3; c++) image.Slice(c * plane, plane).Fill(color[c]);
    }

    public static void Draw(Span<float> image, int size, ShapeObject o, int supersampling)
    {
        var geometry = Shapes.Geometry(o.Shape);
        var paint = o.Paint;
        var plane = size * size;
        float cx = o.CenterX * size, cy = o.CenterY * size, radius = o.Radius * size;
        var inverse = 1f / radius;
        // Double-precision trigonometry rounds to the same float on every platform, so images are bit-identical.
        var cos = (float)Math.Cos(o.Rotation) * inverse;
        var sin = (float)Math.Sin(o.Rotation) * inverse;
        var edge = HalfDiagonal * inverse;
        var step = 1f / supersampling;
        var samples = supersampling * supersampling;
        int x0 = Math.Max(0, (int)MathF.Floor(cx - radius)), x1 = Math.Min(size - 1, (int)MathF.Ceiling(cx + radius));
        int y0 = Math.Max(0, (int)MathF.Floor(cy - radius)), y1 = Math.Min(size - 1, (int)MathF.Ceiling(cy + radius));
        for (var y = y0; y <= y1; y++)
        {
            for (var x = x0; x <= x1; x++)
            {
                float dx = x + 0.5f - cx, dy = y + 0.5f - cy;
                var distance = geometry.Distance(dx * cos + dy * sin, dy * cos - dx * sin);
                if (distance >= edge) continue;
                var coverage = 1f;
                if (distance > -edge)
                {
                    var inside = 0;
                    for (var j = 0; j < supersampling; j++)
                    {
                        var sy = dy + (j + 0.5f) * step - 0.5f;
                        for (var i = 0; i < supersampling; i++)
                        {
                            var sx = dx + (i + 0.5f) * step - 0.5f;
                            if (geometry.Contains(sx * cos + sy * sin, sy * cos - sx * sin)) inside++;
                        }
                    }
                    if (inside == 0) continue;
                    coverage = (float)inside / samples;
                }
                ref var r = ref image[y * size + x];
                r += coverage * (paint.R - r);
                ref var g = ref image[plane + y * size + x];
                g += coverage * (paint.G - g);
                ref var b = ref image[2 * plane + y * size + x];
                b += coverage * (paint.B - b);
            }
        }
    }

    /// <summary>Adds the same uniform draw in [−amplitude, amplitude) to the three channels of a pixel, then clamps to [0, 1].</summary>
    private static void AddNoise(Span<float> image, int size, float amplitude, in SampleRandom random)
    {
        var plane = size * size;
        for (var block = 0; block * 4 < plane; block++)
        {
            var (b0, b1, b2, b3) = random.NoiseBits(block);
            var first = block * 4;
            var count = Math.Min(4, plane - first);
            for (var k = 0; k < count; k++)
            {
                var bits = k switch { 0 => b0, 1 => b1, 2 => b2, _ => b3 };
                var n = (2 * Generator.ToUniform(bits) - 1) * amplitude;
                for (var c = 0; c < 3; c++)
                {
                    ref var v = ref image[c * plane + first + k];
                    v = Math.Clamp(v + n, 0f, 1f);
                }
            }
        }
    }
}
