namespace ClipEngine.Clip.Data;

/// <summary>
/// A shape in unit coordinates as the rasteriser needs it: the signed distance to its outline (negative inside),
/// exact so that a pixel whose centre is further than half a pixel diagonal from the outline needs no supersampling,
/// and a cheap inside test for the supersamples of the pixels the outline crosses.
/// </summary>
internal abstract class ShapeGeometry
{
    public abstract float Distance(float u, float v);

    public abstract bool Contains(float u, float v);
}

internal sealed class DiscGeometry(double radius) : ShapeGeometry
{
    private readonly float _radius = (float)radius;

    public override float Distance(float u, float v) => MathF.Sqrt(u * u + v * v) - _radius;

    public override bool Contains(float u, float v) => u * u + v * v < _radius * _radius;
}

internal sealed class RingGeometry(double outer, double inner) : ShapeGeometry
{
    private readonly float _middle = (float)((outer + inner) / 2);
    private readonly float _halfWidth = (float)((outer - inner) / 2);

    public override float Distance(float u, float v) => MathF.Abs(MathF.Sqrt(u * u + v * v) - _middle) - _halfWidth;

    public override bool Contains(float u, float v) => Distance(u, v) < 0;
}

/// <summary>A simple polygon, convex or not (the star, the cross); distance as in Quílez's sdPolygon.</summary>
internal sealed class PolygonGeometry : ShapeGeometry
{
    private readonly float[] _x, _y, _ex, _ey, _invLength2;

    public PolygonGeometry((double X, double Y)[] vertices)
    {
        Vertices = vertices;
        var n = vertices.Length;
        _x = vertices.Select(v => (float)v.X).ToArray();
        _y = vertices.Select(v => (float)v.Y).ToArray();
        _ex = new float[n];
        _ey = new float[n];
        _invLength2 = new float[n];
        for (var i = 0; i < n; i++)
        {
            var j = (i + 1) % n;
            _ex[i] = _x[j] - _x[i];
            _ey[i] = _y[j] - _y[i];
            _invLength2[i] = 1f / (_ex[i] * _ex[i] + _ey[i] * _ey[i]);
        }
    }

    public IReadOnlyList<(double X, double Y)> Vertices { get; }

    public override float Distance(float u, float v)
    {
        var nearest2 = float.MaxValue;
        var inside = false;
        for (var i = 0; i < _x.Length; i++)
        {
            float wx = u - _x[i], wy = v - _y[i];
            var t = Math.Clamp((wx * _ex[i] + wy * _ey[i]) * _invLength2[i], 0f, 1f);
            float bx = wx - _ex[i] * t, by = wy - _ey[i] * t;
            nearest2 = MathF.Min(nearest2, bx * bx + by * by);
            if (Crosses(i, u, v)) inside = !inside;
        }
        var distance = MathF.Sqrt(nearest2);
        return inside ? -distance : distance;
    }

    public override bool Contains(float u, float v)
    {
        var inside = false;
        for (var i = 0; i < _x.Length; i++)
            if (Crosses(i, u, v)) inside = !inside;
        return inside;
    }

    /// <summary>Whether edge i crosses the ray from (u, v) towards +x (the even–odd rule).</summary>
    private bool Crosses(int i, float u, float v)
    {
        var j = i + 1 == _x.Length ? 0 : i + 1;
        if (_y[i] > v == _y[j] > v) return false;
        return u < _x[i] + (v - _y[i]) * _ex[i] / _ey[i];
    }
}
