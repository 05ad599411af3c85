namespace ClipEngine.Nn;

/// <summary>A lookup table of vectors (torch.nn.Embedding): weight [num, dim] drawn from N(0, 1).</summary>
public sealed class Embedding : Module
{
    public Embedding(int numEmbeddings, int embeddingDim, Generator generator, Device? device = null)
    {
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        RegisterParameter("weight", Init.Normal([numEmbeddings, embeddingDim], generator, device: device));
    }

    public int NumEmbeddings { get; }

    public int EmbeddingDim { get; }

    public Tensor Weight => Parameter("weight");

    /// <summary>indices (I32 or I64, any shape) → [..., dim].</summary>
    public override Tensor Forward(Tensor input) => Ops.Embedding(input, Weight);
}
