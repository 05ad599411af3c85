namespace ClipEngine.Nn;

/// <summary>What a non-strict load skipped: the module's keys the state dict lacked, and the state dict's keys the module lacks.</summary>
public sealed record StateDictLoadResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);
