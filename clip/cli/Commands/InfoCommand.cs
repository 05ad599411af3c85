using System.CommandLine;
using System.Globalization;
using ClipEngine.Clip;

namespace ClipEngine.Cli.Commands;

/// <summary><c>info</c>: a checkpoint's format, config and parameter count when one is given; always the machine's compute devices.</summary>
internal static class InfoCommand
{
    public static Command Create(CliContext context)
    {
        var model = CliOptions.Model(required: false);
        var config = CliOptions.Config();
        var device = CliOptions.Device();
        var command = new Command("info", "Describe a checkpoint and this machine's compute devices") { model, config, device };
        command.SetAction(parsed =>
        {
            var target = CliOptions.ParseDevice(parsed.GetRequiredValue(device));
            if (parsed.GetValue(model) is { } path) WriteModel(context.Out, path, parsed.GetValue(config), target);
            ComputeDevicesReport.Write(context.Out);
            return ClipCli.Success;
        });
        return command;
    }

    private static void WriteModel(TextWriter output, string path, string? config, Device device)
    {
        using var checkpoint = ClipCheckpoint.Read(path);
        using var model = ClipModel.Load(checkpoint, device, config);
        var source = config is not null ? $"--config {config}"
            : checkpoint.ConfigJson is not null ? "the checkpoint's"
            : "inferred from the weights' shapes (64-wide heads)";
        output.WriteLine($"model: {path}");
        output.WriteLine($"  format: {checkpoint.Format}, {checkpoint.StateDict.Count} tensors");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  parameters: {model.ParameterCount():N0}"));
        output.WriteLine($"  device: {model.Device}");
        output.WriteLine($"  config ({source}):");
        foreach (var line in model.Config.ToJson().Split('\n')) output.WriteLine("    " + line.TrimEnd('\r'));
    }
}
