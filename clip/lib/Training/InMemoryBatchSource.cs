namespace ClipEngine.Clip.Training;

/// <summary>
/// Micro-batches cut from tensors already in memory: images [N, 3, R, R] F32 and tokens [N, L] on the CPU, which
/// stay the caller's and must outlive the source. Each epoch visits the samples in order, or in a fresh
/// permutation drawn from (seed, epoch) when shuffling; the last partial batch of an epoch is dropped, as open_clip does.
/// </summary>
public sealed class InMemoryBatchSource : IBatchSource
{
    private const string Kind = "in_memory";

    private readonly Tensor _images;
    private readonly Tensor _tokens;
    private readonly int _batchSize;
    private readonly bool _shuffle;
    private readonly ulong _seed;
    private long[] _order;
    private long _epoch;
    private int _batch;
    private long _delivered;

    public InMemoryBatchSource(Tensor images, Tensor tokens, int batchSize, bool shuffle = false, ulong seed = 0)
    {
        TrainBatch.Check(images, tokens);
        if (images.Device != Device.Cpu || tokens.Device != Device.Cpu)
            throw new ArgumentException($"an in-memory source holds CPU tensors; got images on {images.Device} and tokens on {tokens.Device}");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (batchSize > images.Size(0))
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"exceeds the {images.Size(0)} samples held");
        (_images, _tokens, _batchSize, _shuffle, _seed) = (images, tokens, batchSize, shuffle, seed);
        _order = Order(0);
    }

    public long? SamplesPerEpoch => _images.Size(0);

    public BatchSourceStats Stats => new(_delivered, 0, null);

    public DataPosition Position => DataPosition.Create(Kind, new State(_epoch, _batch));

    private int BatchesPerEpoch => _images.Size(0) / _batchSize;

    public TrainBatch Next()
    {
        if (_batch == BatchesPerEpoch)
        {
            _epoch++;
            _batch = 0;
            _order = Order(_epoch);
        }
        using var _ = Autograd.NoGrad();
        using var indices = Tensor.FromArray(_order[(_batch * _batchSize)..((_batch + 1) * _batchSize)], _batchSize);
        _batch++;
        _delivered += _batchSize;
        return new TrainBatch(Ops.IndexSelect(_images, 0, indices), Ops.IndexSelect(_tokens, 0, indices));
    }

    public void Restore(DataPosition position)
    {
        ArgumentNullException.ThrowIfNull(position);
        var state = position.Read<State>(Kind);
        if (state.Epoch < 0 || state.Batch < 0 || state.Batch > BatchesPerEpoch)
            throw new ArgumentException($"the in-memory data position (epoch {state.Epoch}, batch {state.Batch}) is outside this source's {BatchesPerEpoch} batches per epoch");
        (_epoch, _batch) = (state.Epoch, state.Batch);
        _order = Order(_epoch);
    }

    /// <summary>The sample order of an epoch: Fisher–Yates driven by Philox blocks (seed, epoch·2³² + i), so it depends on nothing else.</summary>
    private long[] Order(long epoch)
    {
        var order = new long[_images.Size(0)];
        for (var i = 0; i < order.Length; i++) order[i] = i;
        if (!_shuffle) return order;
        for (var i = order.Length - 1; i > 0; i--)
        {
            var (bits, _, _, _) = Generator.Philox(_seed, ((ulong)epoch << 32) | (uint)i);
            var j = (int)(bits % (uint)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private sealed record State(long Epoch, int Batch);
}
