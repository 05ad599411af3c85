using System.CommandLine;
using ClipEngine.Clip;

namespace ClipEngine.Cli;

/// <summary>The options of a verb that runs a CLIP model: checkpoint, tokenizer, config, device, batch size and precision.</summary>
internal sealed class PipelineOptions
{
    public Option<string> Model { get; } = CliOptions.Model();

    public Option<string?> Vocab { get; } = CliOptions.Vocab();

    public Option<string?> Config { get; } = CliOptions.Config();

    public Option<string> Device { get; } = CliOptions.Device();

    public Option<int> BatchSize { get; } = CliOptions.BatchSize();

    public Option<string> Precision { get; } = CliOptions.Precision();

    /// <summary>The values, with the device and batch size checked before any file is read.</summary>
    public Values Parse(ParseResult parsed) => new(
        parsed.GetRequiredValue(Model),
        parsed.GetValue(Vocab),
        parsed.GetValue(Config),
        CliOptions.ParseDevice(parsed.GetRequiredValue(Device)),
        CliOptions.PositiveBatchSize(parsed.GetValue(BatchSize)),
        CliOptions.ParsePrecision(parsed.GetRequiredValue(Precision)));

    internal sealed record Values(string ModelPath, string? VocabPath, string? Config, Device Device, int BatchSize, DType Precision)
    {
        /// <param name="withTokenizer">False skips reading <see cref="VocabPath"/> for a run that has no text.</param>
        public ClipPipeline Load(bool withTokenizer = true) =>
            ClipPipeline.Load(ModelPath, withTokenizer ? VocabPath : null, Device, Config, BatchSize, Precision);
    }
}
