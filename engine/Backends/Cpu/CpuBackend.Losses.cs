namespace ClipEngine.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void CrossEntropy(Tensor logits, Tensor targets, Tensor loss, Tensor lse) => throw new NotImplementedException();

    public void CrossEntropyBackward(Tensor gLoss, Tensor logits, Tensor targets, Tensor lse, Tensor gLogits) => throw new NotImplementedException();

    public void ContrastiveLoss(Tensor logits, Tensor loss, Tensor rowLse, Tensor columnLse) => throw new NotImplementedException();

    public void ContrastiveLossBackward(Tensor gLoss, Tensor logits, Tensor rowLse, Tensor columnLse, Tensor gLogits) => throw new NotImplementedException();
}
