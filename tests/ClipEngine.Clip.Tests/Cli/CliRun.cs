using ClipEngine.Cli;

namespace ClipEngine.Clip.Tests.Cli;

/// <summary>One in-process run of the command line, with what it printed.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Err)
{
    public static CliRun Of(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = ClipCli.Run(args, stdout, stderr);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    public CliRun Succeeded()
    {
        Assert.True(ExitCode == 0, $"exit code {ExitCode}; stderr: {Err}");
        return this;
    }

    /// <summary>Asserts the exit code and a one-line error without a stack trace, and returns the line.</summary>
    public string FailedWith(int exitCode)
    {
        Assert.True(ExitCode == exitCode, $"exit code {ExitCode}, expected {exitCode}; stdout: {Out}; stderr: {Err}");
        Assert.DoesNotContain("   at ", Err);
        return Err.Split('\n')[0];
    }
}
