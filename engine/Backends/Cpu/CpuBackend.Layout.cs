namespace ClipEngine.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void Permute(Tensor x, int[] perm, Tensor y) => throw new NotImplementedException();

    public void CopyBlocks(Tensor source, long sourceOffset, long sourceStride, Tensor destination, long destinationOffset, long destinationStride, long blockLength, long count) => throw new NotImplementedException();

    public void GatherRows(Tensor table, Tensor indices, Tensor y) => throw new NotImplementedException();

    public void ScatterAddRows(Tensor gy, Tensor indices, Tensor gTable) => throw new NotImplementedException();
}
