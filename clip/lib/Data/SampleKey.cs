namespace ClipEngine.Clip.Data;

/// <summary>The identity of one sample's random draws: the same key gives the same augmentation, on any thread.</summary>
public readonly record struct SampleKey(ulong Seed, int Epoch, long Index);
