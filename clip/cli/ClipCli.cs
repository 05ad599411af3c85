using System.CommandLine;
using ClipEngine.Cli.Commands;

namespace ClipEngine.Cli;

/// <summary>
/// The <c>clip</c> command line: <c>embed</c>, <c>classify</c>, <c>tokenize</c>, <c>info</c>, <c>convert</c>. Exit codes:
/// 0 success, 1 a failure (one line on stderr naming the file or field at fault; the stack trace only with
/// <c>--verbose</c>), 2 a usage error.
/// </summary>
public static class ClipCli
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    /// <summary>Runs one command line, writing to the given streams instead of the console (the tests run it in-process).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        var context = new CliContext(stdout, stderr);
        var root = new RootCommand("CLIP on ClipEngine: train and evaluate, embed images and texts, zero-shot classify, tokenize, inspect and convert checkpoints")
        {
            context.Verbose,
            TrainCommand.Create(context),
            EvalCommand.Create(context),
            EmbedCommand.Create(context),
            ClassifyCommand.Create(context),
            TokenizeCommand.Create(context),
            InfoCommand.Create(context),
            ConvertCommand.Create(context),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) stderr.WriteLine($"clip: {error.Message}");
            var verb = parsed.CommandResult.Command is RootCommand ? "" : parsed.CommandResult.Command.Name + " ";
            stderr.WriteLine($"Run 'clip {verb}--help' for usage.");
            return UsageError;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"clip: {e.Message}");
            return UsageError;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            stderr.WriteLine($"clip: error: {ErrorText.Of(e)}");
            if (parsed.GetValue(context.Verbose)) stderr.WriteLine(e);
            return Failure;
        }
    }
}
