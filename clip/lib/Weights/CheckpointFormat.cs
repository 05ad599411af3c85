namespace ClipEngine.Clip;

/// <summary>The container and naming a checkpoint was found in; <see cref="ClipCheckpoint.StateDict"/> is always OpenAI naming.</summary>
public enum CheckpointFormat
{
    /// <summary>Safetensors with OpenAI's state-dict keys (also open_clip's <c>open_clip_model.safetensors</c>).</summary>
    OpenAiSafeTensors,

    /// <summary>Safetensors with Hugging Face <c>CLIPModel</c> keys (<c>vision_model.*</c>, <c>text_model.*</c>, split q/k/v).</summary>
    HuggingFaceSafeTensors,

    /// <summary>A TorchScript archive (<c>torch.jit.save</c>), as OpenAI's original <c>.pt</c> downloads are.</summary>
    TorchScript,

    /// <summary>A zip written by <c>torch.save</c> holding a state dict (either naming; open_clip and Hugging Face <c>.bin</c>/<c>.pt</c> files).</summary>
    TorchSave,
}
