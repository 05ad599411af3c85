using System.CommandLine;
using ClipEngine.Backends;

namespace ClipEngine.Cli;

/// <summary>The options several verbs share, and the checks on their values that the parser cannot do.</summary>
internal static class CliOptions
{
    public static Option<string> Model(bool required = true) => new("--model", "-m")
    {
        Description = "Checkpoint: OpenAI .pt, open_clip or Hugging Face .safetensors (config read from the file or beside it)",
        Required = required,
    };

    public static Option<string?> Vocab() => new("--vocab")
    {
        Description = "Tokenizer file that comes with the weights: bpe_simple_vocab_16e6.txt.gz, or tokenizer.json / vocab.json + merges.txt",
    };

    public static Option<string?> Config() => new("--config")
    {
        Description = "Model config: a preset (ViT-B-32, ViT-B-16, ViT-L-14, ViT-L-14-336) or a JSON file; default: the checkpoint's, else inferred from its shapes",
    };

    public static Option<string> Device() => new("--device")
    {
        Description = "cpu, cuda or cuda:N",
        DefaultValueFactory = _ => "cpu",
    };

    public static Option<int> BatchSize() => new("--batch-size")
    {
        Description = "Images or texts per forward pass",
        DefaultValueFactory = _ => Clip.ClipPipeline.DefaultBatchSize,
    };

    public static Option<string> Precision() => new("--precision")
    {
        Description = "fp32, or bf16: on cuda the model computes under bf16 autocast (bf16 GEMMs and activations, as torch.autocast); on cpu it stays fp32",
        DefaultValueFactory = _ => "fp32",
    };

    /// <summary>The compute dtype an inference verb's --precision names.</summary>
    public static DType ParsePrecision(string text) => text switch
    {
        "fp32" => DType.F32,
        "bf16" or "amp_bf16" => DType.BF16,
        _ => throw new UsageException($"--precision: expected fp32 or bf16, got \"{text}\""),
    };

    public const string VocabHint = "pass --vocab with the bpe_simple_vocab_16e6.txt.gz that comes with the weights (OpenAI's clip package ships it), or a Hugging Face tokenizer.json";

    /// <summary>The device, checked to have a backend in this build before any weights are read.</summary>
    public static Device ParseDevice(string text)
    {
        Device device;
        try
        {
            device = ClipEngine.Device.Parse(text);
        }
        catch (FormatException e)
        {
            throw new UsageException($"--device: {e.Message}");
        }
        BackendRegistry.For(device);
        return device;
    }

    public static int PositiveBatchSize(int value) =>
        value > 0 ? value : throw new UsageException($"--batch-size must be positive, got {value}");
}
