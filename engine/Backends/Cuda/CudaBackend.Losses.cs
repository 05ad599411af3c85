using System.Runtime.InteropServices;

namespace ClipEngine.Backends.Cuda;

// Cross-entropy and the contrastive (CLIP) loss (kernels/losses.cu).
public sealed partial class CudaBackend
{
    /// <summary>Threads of the one block that adds the per-row loss terms.</summary>
    private const int TermsBlockSize = 256;

    public void CrossEntropy(Tensor logits, Tensor targets, Tensor loss, Tensor lse)
    {
        var (rows, classes) = (logits.Dims[0], logits.Dims[1]);
        CheckTargets(targets, rows, classes);
        using var terms = AllocateScratch((long)rows * sizeof(float));
        if (rows > 0)
        {
            Launcher.Launch(Modules.Get("losses.cu", "row_logsumexp_f32"), PerRow(rows, classes),
                Ptr(logits), Ptr(targets), classes, Ptr(lse), terms.Pointer);
        }
        MeanOfTerms(terms.Pointer, rows, loss);
    }

    public void CrossEntropyBackward(Tensor gLoss, Tensor logits, Tensor targets, Tensor lse, Tensor gLogits)
    {
        var (rows, classes) = (logits.Dims[0], logits.Dims[1]);
        if (rows == 0 || classes == 0) return;
        Launcher.Launch(Modules.Get("losses.cu", "cross_entropy_backward_f32"), PerRow(rows, classes),
            Ptr(gLoss), Ptr(logits), Ptr(targets), Ptr(lse), Ptr(gLogits), rows, classes);
    }

    public void ContrastiveLoss(Tensor logits, Tensor loss, Tensor rowLse, Tensor columnLse)
    {
        var n = logits.Dims[0];
        var termBytes = (long)n * sizeof(float);
        using var terms = AllocateScratch(2 * termBytes);
        if (n > 0)
        {
            Launcher.Launch(Modules.Get("losses.cu", "row_logsumexp_f32"), PerRow(n, n),
                Ptr(logits), DevicePtr.Null, n, Ptr(rowLse), terms.Pointer);
            Launcher.Launch(Modules.Get("losses.cu", "column_logsumexp_f32"),
                new LaunchConfig((n + ColumnTile - 1) / ColumnTile, new Dim3(ColumnTile, ColumnSplit)),
                Ptr(logits), n, Ptr(columnLse), terms.Pointer.Offset(termBytes));
        }
        MeanOfTerms(terms.Pointer, 2 * n, loss);
    }

    public void ContrastiveLossBackward(Tensor gLoss, Tensor logits, Tensor rowLse, Tensor columnLse, Tensor gLogits)
    {
        var n = logits.Dims[0];
        if (n == 0) return;
        Launcher.Launch(Modules.Get("losses.cu", "contrastive_backward_f32"), PerRow(n, n),
            Ptr(gLoss), Ptr(logits), Ptr(rowLse), Ptr(columnLse), Ptr(gLogits), n);
    }

    /// <summary>loss = Σ terms / count, added by one block in a fixed order (NaN for no terms, as the mean of nothing).</summary>
    private void MeanOfTerms(DevicePtr terms, int count, Tensor loss) =>
        Launcher.Launch(Modules.Get("losses.cu", "mean_of_terms_f32"), new LaunchConfig(1, TermsBlockSize), terms, count, (float)count, Ptr(loss));

    /// <summary>
    /// A target outside [0, classes) would read another row's logits; the error must name it as the Cpu backend does,
    /// so the targets are read back (N integers, once per forward; the wait is for work already queued).
    /// </summary>
    private void CheckTargets(Tensor targets, int rows, int classes)
    {
        var host = new long[rows];
        CopyToHost(targets, MemoryMarshal.AsBytes(host.AsSpan()));
        for (var r = 0; r < rows; r++)
        {
            if ((ulong)host[r] >= (ulong)classes)
                throw new ArgumentException($"CrossEntropy: target {host[r]} (row {r}) is not a class index in [0, {classes}) for logits with C = {classes}");
        }
    }
}
