using System.Diagnostics;
using ClipEngine.Clip.Data;

namespace ClipEngine.Clip.Training;

/// <summary>
/// Micro-batches of the built-in <see cref="ShapesDataset"/>: sample i of the stream is the dataset's sample i, so a
/// batch is rendered on demand and the position is just the index of the next sample. The stream has no epochs
/// (every sample is new). Captions are tokenized by the given function (a tokenizer trained on the dataset's
/// captions, see <see cref="ShapesTokenizer"/>).
/// </summary>
public sealed class ShapesBatchSource : IBatchSource
{
    private const string Kind = "shapes";

    private readonly ShapesDataset _dataset;
    private readonly Func<IReadOnlyList<string>, Tensor> _tokenize;
    private readonly int _batchSize;
    private long _next;
    private long _delivered;
    private long _renderTicks;

    /// <param name="tokenize">Captions → tokens [B, L] (I64 or I32).</param>
    public ShapesBatchSource(ShapesDataset dataset, Func<IReadOnlyList<string>, Tensor> tokenize, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(tokenize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        (_dataset, _tokenize, _batchSize) = (dataset, tokenize, batchSize);
    }

    public long? SamplesPerEpoch => null;

    /// <summary>Samples delivered; the images/s are those rendered per second of rendering and tokenizing.</summary>
    public BatchSourceStats Stats => new(_delivered, 0, _renderTicks > 0 ? _delivered / Stopwatch.GetElapsedTime(0, _renderTicks).TotalSeconds : null);

    public DataPosition Position => DataPosition.Create(Kind, new State(_next, _dataset.Options.Seed, _dataset.ImageSize));

    public TrainBatch Next()
    {
        var started = Stopwatch.GetTimestamp();
        var (images, captions) = _dataset.GetBatch(_next, _batchSize);
        Tensor tokens;
        try
        {
            tokens = _tokenize(captions);
        }
        catch
        {
            images.Dispose();
            throw;
        }
        _next += _batchSize;
        _delivered += _batchSize;
        _renderTicks += Stopwatch.GetTimestamp() - started;
        return new TrainBatch(images, tokens);
    }

    public void Restore(DataPosition position)
    {
        ArgumentNullException.ThrowIfNull(position);
        var state = position.Read<State>(Kind);
        if (state.Seed != _dataset.Options.Seed || state.ImageSize != _dataset.ImageSize)
            throw new ArgumentException(
                $"the data position belongs to the built-in dataset with seed {state.Seed} and {state.ImageSize}px images; this one has seed {_dataset.Options.Seed} and {_dataset.ImageSize}px");
        if (state.NextSample < 0) throw new ArgumentException($"the built-in data position's next_sample {state.NextSample} is negative");
        _next = state.NextSample;
    }

    private sealed record State(long NextSample, ulong Seed, int ImageSize);
}
