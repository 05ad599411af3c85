namespace ClipEngine.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void Attention(Tensor q, Tensor k, Tensor v, bool causal, float scale, Tensor o, Tensor lse) => throw new NotImplementedException();

    public void AttentionBackward(Tensor go, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse, bool causal, float scale, Tensor gq, Tensor gk, Tensor gv) => throw new NotImplementedException();
}
