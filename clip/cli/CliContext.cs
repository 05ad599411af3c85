using System.CommandLine;

namespace ClipEngine.Cli;

/// <summary>What every command shares: the output streams of this run and the global <c>--verbose</c> switch.</summary>
internal sealed class CliContext(TextWriter stdout, TextWriter stderr)
{
    public TextWriter Out { get; } = stdout;

    public TextWriter Err { get; } = stderr;

    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Print the stack trace of an error",
        Recursive = true,
    };
}
