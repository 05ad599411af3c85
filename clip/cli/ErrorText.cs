namespace ClipEngine.Cli;

/// <summary>An exception as one line for stderr.</summary>
internal static class ErrorText
{
    /// <summary>The message without .NET's " (Parameter 'x')" suffix, multi-line messages (a state dict's key lists) joined with "; ".</summary>
    public static string Of(Exception e)
    {
        var message = e.Message;
        if (e is ArgumentException { ParamName: { } name })
        {
            var suffix = $" (Parameter '{name}')";
            if (message.EndsWith(suffix, StringComparison.Ordinal)) message = message[..^suffix.Length];
        }
        return string.Join("; ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
