using ClipEngine.Clip.Data;
using LoaderPosition = ClipEngine.Clip.Data.DataPosition;

namespace ClipEngine.Clip.Training;

/// <summary>
/// Micro-batches of real data (a CSV table or WebDataset shards) from a prefetching <see cref="ClipDataLoader"/>.
/// The position is the loader's (seed, epoch, samples consumed); restoring it starts a new loader there, so the
/// resumed stream delivers exactly the batches the uninterrupted one would have. The loader reads epochs without
/// end; the trainer decides when to stop. The loader's throughput (images decoded per second while its workers
/// are busy) goes into <see cref="Stats"/>; the trainer measures the time it waits in <see cref="Next"/>.
/// </summary>
public sealed class LoaderBatchSource : IBatchSource, IDisposable
{
    private const string Kind = "loader";

    private readonly ICaptionedImageSource _source;
    private readonly SampleDecoder _decoder;
    private readonly Func<IReadOnlyList<string>, Tensor> _tokenize;
    private readonly DataLoaderOptions _options;
    private ClipDataLoader? _loader;
    private LoaderPosition _position;

    /// <param name="options">Batch size, workers, prefetch depth and seed; <see cref="DataLoaderOptions.Epochs"/> and <see cref="DataLoaderOptions.Resume"/> must be unset.</param>
    /// <param name="samplesPerEpoch">The samples of one epoch, when known (a CSV's rows, a WebDataset's nominal epoch), so runs can be set in epochs.</param>
    public LoaderBatchSource(ICaptionedImageSource source, SampleDecoder decoder, Func<IReadOnlyList<string>, Tensor> tokenize,
        DataLoaderOptions options, long? samplesPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(tokenize);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Epochs is not null || options.Resume is not null)
            throw new ArgumentException("a training source reads epochs without end from the position it is restored to: leave Epochs and Resume unset", nameof(options));
        (_source, _decoder, _tokenize, _options, SamplesPerEpoch) = (source, decoder, tokenize, options, samplesPerEpoch);
        _position = LoaderPosition.Start(options.Seed);
    }

    /// <summary>A source over a CSV table (its rows make an epoch).</summary>
    public static LoaderBatchSource FromCsv(CsvCaptionSource csv, SampleDecoder decoder, Func<IReadOnlyList<string>, Tensor> tokenize, DataLoaderOptions options) =>
        new(csv, decoder, tokenize, options, csv.Count);

    /// <summary>A source over WebDataset shards (an epoch is known only when <see cref="WebDatasetOptions.SamplesPerEpoch"/> is set).</summary>
    public static LoaderBatchSource FromWebDataset(WebDatasetSource shards, SampleDecoder decoder, Func<IReadOnlyList<string>, Tensor> tokenize, DataLoaderOptions options) =>
        new(shards, decoder, tokenize, options, shards.Options.SamplesPerEpoch);

    public long? SamplesPerEpoch { get; }

    public DataCounters Counters => _source.Counters;

    /// <summary>The running loader's statistics; null before the first batch.</summary>
    public DataLoaderStats? LoaderStats => _loader?.Stats;

    public BatchSourceStats Stats => new(_source.Counters.SamplesDelivered, _source.Counters.TotalSkipped,
        _loader?.Stats is { ImagesDecoded: > 0 } stats ? stats.WorkerImagesPerSecond : null);

    public DataPosition Position => DataPosition.Create(Kind, new State(_position.Seed, _position.Epoch, _position.SamplesConsumed));

    public TrainBatch Next()
    {
        _loader ??= new ClipDataLoader(_source, _decoder, _tokenize, _options with { Resume = _position });
        var batch = _loader.Next() ?? throw new InvalidOperationException("the data loader ended, although it reads epochs without end");
        _position = batch.Position;
        // The batch's tensors move into the training batch, which the trainer disposes.
        return new TrainBatch(batch.Images, batch.Texts);
    }

    public void Restore(DataPosition position)
    {
        ArgumentNullException.ThrowIfNull(position);
        var state = position.Read<State>(Kind);
        if (state.Seed != _options.Seed)
            throw new ArgumentException($"the data position was saved with data seed {state.Seed}, this source's is {_options.Seed}; the sample order would differ");
        if (state.Epoch < 0 || state.SamplesConsumed < 0)
            throw new ArgumentException($"the loader data position (epoch {state.Epoch}, {state.SamplesConsumed} samples consumed) is invalid");
        _loader?.Dispose();
        _loader = null;
        _position = new LoaderPosition(state.Seed, state.Epoch, state.SamplesConsumed);
    }

    public void Dispose()
    {
        _loader?.Dispose();
        _loader = null;
    }

    private sealed record State(ulong Seed, int Epoch, long SamplesConsumed);
}
