using System.CommandLine;
using ClipEngine.Clip;

namespace ClipEngine.Cli.Commands;

/// <summary>
/// <c>convert</c>: any checkpoint ClipCheckpoint reads to our safetensors (OpenAI names, config in the metadata and
/// in a .json beside it, in f32, f16 or bf16) or to Hugging Face <c>CLIPModel</c> safetensors with its config.json.
/// </summary>
internal static class ConvertCommand
{
    private const string OpenAi = "openai";
    private const string HuggingFace = "hf";

    public static Command Create(CliContext context)
    {
        var model = CliOptions.Model();
        var output = new Option<string>("--output", "-o") { Description = "Output .safetensors file", Required = true };
        var to = new Option<string>("--to") { Description = "openai (OpenAI names, our config) or hf (Hugging Face CLIPModel names + config.json)", DefaultValueFactory = _ => OpenAi };
        to.AcceptOnlyFromAmong(OpenAi, HuggingFace);
        var dtype = new Option<string>("--dtype") { Description = "Weight dtype of the output: f32, f16 or bf16 (hf: f32 only)", DefaultValueFactory = _ => "f32" };
        dtype.AcceptOnlyFromAmong("f32", "f16", "bf16");

        var command = new Command("convert", "Convert a checkpoint to safetensors in OpenAI or Hugging Face naming") { model, output, to, dtype };
        command.SetAction(parsed =>
        {
            var input = parsed.GetRequiredValue(model);
            var outputPath = parsed.GetRequiredValue(output);
            var weights = parsed.GetRequiredValue(dtype) switch
            {
                "f16" => DType.F16,
                "bf16" => DType.BF16,
                _ => DType.F32,
            };
            if (Path.GetFullPath(input) == Path.GetFullPath(outputPath)) throw new UsageException("--output must differ from --model");
            if (parsed.GetRequiredValue(to) == HuggingFace)
            {
                if (weights != DType.F32) throw new UsageException("--to hf writes f32 weights only; drop --dtype");
                ClipCheckpoint.Convert(input, outputPath, CheckpointFormat.HuggingFaceSafeTensors);
                context.Out.WriteLine($"wrote {outputPath} (Hugging Face naming, f32) and config.json beside it");
                return ClipCli.Success;
            }
            using var checkpoint = ClipCheckpoint.Read(input);
            ClipCheckpoint.SaveSafeTensors(outputPath, checkpoint.StateDict, checkpoint.ConfigJson, weights);
            var config = checkpoint.ConfigJson is null ? "no config (it will be inferred from the shapes)" : $"its config in the metadata and in {Path.ChangeExtension(outputPath, ".json")}";
            context.Out.WriteLine($"wrote {outputPath} ({checkpoint.Format} → OpenAI naming, {weights}, {checkpoint.StateDict.Count} tensors) with {config}");
            return ClipCli.Success;
        });
        return command;
    }
}
