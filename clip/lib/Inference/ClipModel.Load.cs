namespace ClipEngine.Clip;

// Loading a pretrained model from a checkpoint file, in any format ClipCheckpoint reads.
public sealed partial class ClipModel
{
    /// <summary>
    /// The model in a checkpoint file (OpenAI/open_clip or Hugging Face safetensors, OpenAI's TorchScript <c>.pt</c>,
    /// a <c>torch.save</c> zip), on <paramref name="device"/> (CPU by default). The config is, in order of precedence:
    /// <paramref name="config"/> (a preset name such as "ViT-B-32", or the path of a JSON config file), the one the
    /// checkpoint carries or sits beside (see <see cref="ClipCheckpoint.Read"/>), or the one its shapes imply.
    /// </summary>
    public static ClipModel Load(string path, Device? device = null, string? config = null)
    {
        using var checkpoint = ClipCheckpoint.Read(path);
        return Load(checkpoint, device, config);
    }

    /// <summary><see cref="Load(string, Device?, string?)"/> from a checkpoint already read; its tensors are copied, so it may be disposed afterwards.</summary>
    public static ClipModel Load(ClipCheckpoint checkpoint, Device? device = null, string? config = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return FromStateDict(checkpoint.StateDict, ResolveConfig(checkpoint, config), device);
    }

    /// <summary>The explicit config (preset or JSON file), else the checkpoint's, else null (inferred from shapes when built).</summary>
    private static ClipConfig? ResolveConfig(ClipCheckpoint checkpoint, string? config)
    {
        if (!string.IsNullOrWhiteSpace(config)) return ConfigFromPresetOrFile(config);
        if (checkpoint.ConfigJson is null) return null;
        try
        {
            return ClipConfig.FromJson(checkpoint.ConfigJson);
        }
        catch (FormatException e)
        {
            throw new CheckpointFormatException(checkpoint.FilePath, $"its model config: {e.Message}", innerException: e);
        }
    }

    /// <summary>
    /// A preset name, or the path of a JSON config file: open_clip's model config, its <c>open_clip_config.json</c>
    /// (<c>model_cfg</c>), a Hugging Face <c>config.json</c> or OpenAI-style flat keys.
    /// </summary>
    public static ClipConfig ConfigFromPresetOrFile(string config)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(config);
        if (!File.Exists(config))
        {
            try
            {
                return ClipConfig.FromPreset(config);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"config '{config}' is neither a file nor a preset name: {e.Message}", nameof(config), e);
            }
        }
        var json = CheckpointConfig.ReadFile(config, CheckpointLimits.Default);
        try
        {
            return ClipConfig.FromJson(json);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{config}: {e.Message}", e);
        }
    }
}
