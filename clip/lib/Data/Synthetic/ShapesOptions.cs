namespace ClipEngine.Clip.Data;

/// <summary>Settings of a <see cref="ShapesDataset"/>; a sample is a pure function of these and its index.</summary>
public sealed record ShapesOptions
{
    /// <summary>Side R of the square images, in pixels.</summary>
    public int ImageSize { get; init; } = 64;

    public ulong Seed { get; init; }

    /// <summary>Share of training samples with two objects (the rest have one).</summary>
    public float TwoObjectFraction { get; init; } = 0.5f;

    /// <summary>n of the n×n subsamples that measure the coverage of pixels on an outline.</summary>
    public int Supersampling { get; init; } = 4;

    /// <summary>Objects are turned by a uniform angle in ±this many degrees.</summary>
    public float MaxRotationDegrees { get; init; } = 10;

    /// <summary>Normalise with CLIP's mean and std (<see cref="ShapesDataset.Mean"/>); otherwise values are in [0, 1].</summary>
    public bool Normalize { get; init; } = true;

    /// <summary>Threads that render a batch; −1 uses all cores. Results do not depend on it.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid setting, or returns these options.</summary>
    public ShapesOptions Validate()
    {
        var problems = new List<string>();
        if (ImageSize is < 8 or > 1024) problems.Add($"ImageSize must be in [8, 1024], got {ImageSize}");
        if (!(TwoObjectFraction is >= 0 and <= 1)) problems.Add($"TwoObjectFraction must be in [0, 1], got {TwoObjectFraction}");
        if (Supersampling is < 1 or > 16) problems.Add($"Supersampling must be in [1, 16], got {Supersampling}");
        if (!(MaxRotationDegrees is >= 0 and <= 30))
            problems.Add($"MaxRotationDegrees must be in [0, 30] (more turns a square into a diamond), got {MaxRotationDegrees}");
        if (MaxDegreeOfParallelism is 0 or < -1) problems.Add($"MaxDegreeOfParallelism must be positive or -1, got {MaxDegreeOfParallelism}");
        if (problems.Count > 0) throw new ArgumentException("invalid synthetic dataset options:\n  " + string.Join("\n  ", problems));
        return this;
    }
}
