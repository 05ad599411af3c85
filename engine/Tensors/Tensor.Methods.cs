namespace ClipEngine;

// The torch.Tensor methods that model code chains most, each forwarding to its op in Ops.
public sealed partial class Tensor
{
    public Tensor Permute(params int[] dims) => Ops.Permute(this, dims);

    public Tensor Transpose(int dim0, int dim1) => Ops.Transpose(this, dim0, dim1);

    public Tensor Unsqueeze(int dim) => Ops.Unsqueeze(this, dim);

    public Tensor Squeeze(int dim) => Ops.Squeeze(this, dim);

    public Tensor Flatten(int startDim = 0, int endDim = -1) => Ops.Flatten(this, startDim, endDim);

    public Tensor MatMul(Tensor other) => Ops.MatMul(this, other);
}
