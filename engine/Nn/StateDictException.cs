using System.Text;

namespace ClipEngine.Nn;

/// <summary>A state dict that does not fit a module, with every problem at once so a conversion can be fixed in one pass.</summary>
public sealed class StateDictException : Exception
{
    public StateDictException(string moduleName, IReadOnlyList<string> missingKeys, IReadOnlyList<string> unexpectedKeys, IReadOnlyList<StateDictMismatch> mismatched)
        : base(Describe(moduleName, missingKeys, unexpectedKeys, mismatched))
    {
        MissingKeys = missingKeys;
        UnexpectedKeys = unexpectedKeys;
        Mismatched = mismatched;
    }

    /// <summary>Keys of the module that the state dict lacks.</summary>
    public IReadOnlyList<string> MissingKeys { get; }

    /// <summary>Keys of the state dict that the module lacks.</summary>
    public IReadOnlyList<string> UnexpectedKeys { get; }

    /// <summary>Keys present on both sides whose shape or dtype cannot be loaded.</summary>
    public IReadOnlyList<StateDictMismatch> Mismatched { get; }

    private static string Describe(string moduleName, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<StateDictMismatch> mismatched)
    {
        var text = new StringBuilder($"error(s) in loading state dict for {moduleName}:");
        if (missing.Count > 0) text.Append($"\n  missing key(s): {string.Join(", ", missing.Select(k => $"\"{k}\""))}");
        if (unexpected.Count > 0) text.Append($"\n  unexpected key(s): {string.Join(", ", unexpected.Select(k => $"\"{k}\""))}");
        foreach (var m in mismatched) text.Append("\n  ").Append(m);
        return text.ToString();
    }
}

/// <summary>A key whose tensor in the state dict cannot be copied into the module's tensor of that name.</summary>
public sealed record StateDictMismatch(string Key, int[] ExpectedShape, DType ExpectedDType, int[] ActualShape, DType ActualDType)
{
    public override string ToString() =>
        $"\"{Key}\": checkpoint has {ShapeUtil.Format(ActualShape)} {ActualDType}, module has {ShapeUtil.Format(ExpectedShape)} {ExpectedDType}";
}
