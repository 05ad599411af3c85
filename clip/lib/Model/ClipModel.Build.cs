using System.Globalization;
using ClipEngine.Nn;

namespace ClipEngine.Clip;

// Building the model: from a config with OpenAI's initialisation, or from an OpenAI-named state dict.
public sealed partial class ClipModel
{
    /// <summary>Entries of OpenAI checkpoints that are not parameters (build_model deletes them before loading).</summary>
    private static readonly string[] NonParameterKeys = ["input_resolution", "context_length", "vocab_size"];

    private ClipModel(ClipConfig config, Generator generator, Device device, bool initialize)
    {
        config.Validate();
        if (config.Vision.IsResNet) throw new NotSupportedException(ResNetNotImplemented);
        Config = config;
        var text = config.Text;
        RegisterParameter("positional_embedding", Init.Normal([text.ContextLength, text.Width], generator, std: 0.01f, device: device));
        RegisterParameter("text_projection", Init.Normal([text.Width, config.EmbedDim], generator, std: (float)(1 / Math.Sqrt(text.Width)), device: device));
        RegisterParameter("logit_scale", Tensor.Full([], Math.Log(1 / 0.07), DType.F32, device));
        Visual = RegisterModule("visual", new VisionTransformer(config.Vision, config.EmbedDim, config.QuickGelu, generator, device));
        Transformer = RegisterModule("transformer", new Transformer(text.Width, text.Layers, text.Heads, text.MlpWidth, config.QuickGelu, generator, device));
        TokenEmbedding = RegisterModule("token_embedding", new Embedding(text.VocabSize, text.Width, generator, device));
        LnFinal = RegisterModule("ln_final", new LayerNorm(text.Width, device: device));
        if (initialize) InitializeTextTower(generator);
    }

    /// <summary>
    /// A new model with OpenAI's initialisation (CLIP.initialize_parameters, as open_clip's init_parameters):
    /// token embedding N(0, 0.02²), text positions N(0, 0.01²), in each text block in_proj N(0, width⁻¹),
    /// out_proj and c_proj N(0, width⁻¹·(2·layers)⁻¹), c_fc N(0, (2·width)⁻¹), text_projection N(0, width⁻¹),
    /// logit_scale = ln(1/0.07); the image tower as <see cref="VisionTransformer"/> says. All draws come from
    /// <paramref name="seed"/>, so a seed fixes every weight.
    /// </summary>
    public static ClipModel FromConfig(ClipConfig config, ulong seed = 0, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new ClipModel(config, new Generator(seed), device ?? Device.Cpu, initialize: true);
    }

    /// <summary>
    /// The model holding an OpenAI-named state dict's weights (copied, converted to F32, onto
    /// <paramref name="device"/>, CPU by default). The non-parameter entries OpenAI checkpoints carry
    /// (input_resolution, context_length, vocab_size) are dropped. Without <paramref name="config"/> the shapes
    /// decide everything as in OpenAI's build_model (<see cref="ClipConfig.InferFromShapes"/>), including its rule
    /// of 64-wide heads; a config, when given, is authoritative (the head counts in particular). A state dict that
    /// does not fit is one <see cref="StateDictException"/> listing the missing, unexpected and mis-shaped keys.
    /// </summary>
    public static ClipModel FromStateDict(IReadOnlyDictionary<string, Tensor> stateDict, ClipConfig? config = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var parameters = stateDict.Where(p => !NonParameterKeys.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        config ??= ClipConfig.InferFromStateDict(parameters);
        var model = new ClipModel(config, new Generator(0), device ?? Device.Cpu, initialize: false);
        try
        {
            model.LoadStateDict(parameters);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Number of parameters (elements, not tensors).</summary>
    public long ParameterCount() => Parameters().Sum(p => p.NumEl);

    private void InitializeTextTower(Generator generator)
    {
        var text = Config.Text;
        var width = text.Width;
        var attnStd = (float)(1 / Math.Sqrt(width));
        var projStd = (float)(attnStd / Math.Sqrt(2.0 * text.Layers));
        var fcStd = (float)(1 / Math.Sqrt(2.0 * width));
        var draws = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["token_embedding.weight"] = Init.Normal(TokenEmbedding.Weight.Shape, generator, std: 0.02f, device: Device),
        };
        for (var i = 0; i < Transformer.Resblocks.Count; i++)
        {
            var block = Transformer.Resblocks[i];
            var prefix = string.Create(CultureInfo.InvariantCulture, $"transformer.resblocks.{i}.");
            draws[prefix + "attn.in_proj_weight"] = Init.Normal(block.Attn.InProjWeight.Shape, generator, std: attnStd, device: Device);
            draws[prefix + "attn.out_proj.weight"] = Init.Normal(block.Attn.OutProj.Weight.Shape, generator, std: projStd, device: Device);
            draws[prefix + "mlp.c_fc.weight"] = Init.Normal(block.Mlp.CFc.Weight.Shape, generator, std: fcStd, device: Device);
            draws[prefix + "mlp.c_proj.weight"] = Init.Normal(block.Mlp.CProj.Weight.Shape, generator, std: projStd, device: Device);
        }
        try
        {
            LoadStateDict(draws, strict: false);
        }
        finally
        {
            foreach (var t in draws.Values) t.Dispose();
        }
    }
}
