namespace ClipEngine;

public enum DeviceType
{
    Cpu,
    Cuda,
}

/// <summary>Where a tensor's storage lives; parsed from and printed as PyTorch spells it ("cpu", "cuda:0").</summary>
public readonly record struct Device(DeviceType Type, int Index = 0)
{
    public static readonly Device Cpu = new(DeviceType.Cpu);

    public static Device Cuda(int index = 0) => new(DeviceType.Cuda, index);

    public static Device Parse(string text)
    {
        var s = text.Trim().ToLowerInvariant();
        if (s == "cpu") return Cpu;
        if (s == "cuda") return Cuda();
        if (s.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(s.AsSpan(5), out var index) && index >= 0)
            return Cuda(index);
        throw new FormatException($"unknown device '{text}': expected 'cpu', 'cuda' or 'cuda:N'");
    }

    public override string ToString() => Type == DeviceType.Cpu ? "cpu" : $"cuda:{Index}";
}
