using System.Buffers;
using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace ClipEngine.Clip.Data;

/// <summary>
/// A prefetching loader like PyTorch's DataLoader: a reader thread pulls samples from the source in order and cuts
/// them into small chunks; worker threads decode and augment the chunks into plain float buffers; an assembler
/// thread takes the chunks back in order, drops the samples that failed to decode (counted), packs batches of
/// exactly <see cref="DataLoaderOptions.BatchSize"/>, tokenises their captions, and puts them in a queue of
/// <see cref="DataLoaderOptions.PrefetchBatches"/>. A full queue stops the pipeline, so memory stays bounded
/// (<see cref="MaxSamplesAhead"/>).
/// <para>
/// Deterministic for any number of workers: the sample order is the source's (fixed by seed and epoch), each
/// sample's augmentation depends only on (seed, epoch, index), and batches are assembled in source order, so a seed
/// fixes every batch's content bit for bit — whether a CSV is read in order or shuffled, and for WebDataset shards.
/// Only timing (and so the throughput numbers) varies. Batches never span epochs.
/// </para>
/// <para>
/// The tokenizer is called on the assembler thread only, one batch at a time. Dispose stops and joins every thread
/// and disposes the batches nobody took; a failure in the source, a worker or the tokenizer is rethrown by
/// <see cref="Next"/>.
/// </para>
/// </summary>
public sealed class ClipDataLoader : IEnumerable<ClipBatch>, IDisposable
{
    private readonly ICaptionedImageSource _source;
    private readonly SampleDecoder _decoder;
    private readonly Func<IReadOnlyList<string>, Tensor> _tokenize;
    private readonly DataPosition _start;
    private readonly int _chunkSize;
    private readonly CancellationTokenSource _stop = new();
    private readonly BlockingCollection<Chunk> _work;
    private readonly BlockingCollection<Chunk> _order;
    private readonly BlockingCollection<ClipBatch> _ready;
    private readonly List<Thread> _threads = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private DataPosition _position;
    private Exception? _fault;
    private long _imagesDecoded;
    private long _workerBusyTicks;
    private long _batchesDelivered;
    private TimeSpan _consumerWait;
    private TimeSpan _lastWait;
    private bool _disposed;

    public ClipDataLoader(ICaptionedImageSource source, SampleDecoder decoder, Func<IReadOnlyList<string>, Tensor> tokenize, DataLoaderOptions options)
    {
        _source = source;
        _decoder = decoder;
        _tokenize = tokenize;
        Options = options;
        _start = options.Resume ?? DataPosition.Start(options.Seed);
        if (_start.Seed != options.Seed)
            throw new ArgumentException($"the resume position was saved with seed {_start.Seed} but the loader's seed is {options.Seed}; the sample order would differ", nameof(options));
        if (_start.Epoch < 0 || _start.SamplesConsumed < 0) throw new ArgumentException($"invalid resume position ({_start})", nameof(options));
        _position = _start;
        _chunkSize = Math.Clamp(options.BatchSize / (2 * options.Workers), 1, 16);
        var chunksInFlight = 2 * options.Workers + 2;
        _work = new BlockingCollection<Chunk>(chunksInFlight);
        _order = new BlockingCollection<Chunk>(chunksInFlight);
        _ready = new BlockingCollection<ClipBatch>(options.PrefetchBatches);
        // Chunks in the order queue, one the assembler waits on, one being filled; the finished and one partial batch.
        MaxSamplesAhead = (long)(chunksInFlight + 2) * _chunkSize + (long)(options.PrefetchBatches + 1) * options.BatchSize;

        Start("clip-data-reader", ReadSource);
        for (var i = 0; i < options.Workers; i++) Start($"clip-data-worker-{i}", Decode);
        Start("clip-data-assembler", Assemble);
    }

    public DataLoaderOptions Options { get; }

    public DataCounters Counters => _source.Counters;

    /// <summary>The position after the last batch <see cref="Next"/> returned (the start position before the first).</summary>
    public DataPosition Position => Volatile.Read(ref _position);

    /// <summary>Finished batches waiting in the queue; never more than <see cref="DataLoaderOptions.PrefetchBatches"/>.</summary>
    public int BatchesReady => _ready.Count;

    /// <summary>The most samples the loader pulls from the source beyond those in batches already returned.</summary>
    public long MaxSamplesAhead { get; }

    /// <summary>Whether every thread the loader started has ended (after the data ran out, a failure, or Dispose).</summary>
    internal bool AllThreadsStopped => _threads.All(t => !t.IsAlive);

    public DataLoaderStats Stats => new(
        Interlocked.Read(ref _imagesDecoded),
        Interlocked.Read(ref _batchesDelivered),
        _clock.Elapsed,
        TimeSpan.FromTicks(Interlocked.Read(ref _workerBusyTicks) * TimeSpan.TicksPerSecond / Stopwatch.Frequency),
        Options.Workers,
        _consumerWait,
        _lastWait);

    /// <summary>The next batch, waiting for it if needed; null after the last epoch.</summary>
    public ClipBatch? Next(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var waited = Stopwatch.StartNew();
        ClipBatch? batch;
        try
        {
            if (!_ready.TryTake(out batch, Timeout.Infinite, cancellationToken)) batch = null;
        }
        finally
        {
            _lastWait = waited.Elapsed;
            _consumerWait += _lastWait;
        }
        if (batch is null)
        {
            if (Volatile.Read(ref _fault) is { } fault) ExceptionDispatchInfo.Capture(fault).Throw();
            return null;
        }
        Volatile.Write(ref _position, batch.Position);
        Interlocked.Increment(ref _batchesDelivered);
        _source.Counters.AddDelivered(batch.Count);
        return batch;
    }

    public IEnumerator<ClipBatch> GetEnumerator()
    {
        while (Next() is { } batch) yield return batch;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        foreach (var thread in _threads) thread.Join();
        while (_ready.TryTake(out var batch)) batch.Dispose();
        while (_order.TryTake(out var chunk)) chunk.Release();
        _work.Dispose();
        _order.Dispose();
        _ready.Dispose();
        _stop.Dispose();
    }

    private void Start(string name, Action body)
    {
        var thread = new Thread(() => Guard(body)) { Name = name, IsBackground = true };
        _threads.Add(thread);
        thread.Start();
    }

    /// <summary>Stops on cancellation; any other failure is kept for <see cref="Next"/> and stops the whole pipeline.</summary>
    private void Guard(Action body)
    {
        try
        {
            body();
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _fault, e, null);
            _ready.CompleteAdding();
            _stop.Cancel();
        }
    }

    /// <summary>A failure of the source travels down the order queue, so the batches before it are still delivered.</summary>
    private void ReadSource()
    {
        var token = _stop.Token;
        try
        {
            for (var epoch = _start.Epoch; Options.Epochs is not { } last || epoch < last; epoch++)
            {
                var skip = epoch == _start.Epoch ? _start.SamplesConsumed : 0;
                var samples = new List<CaptionedImage>(_chunkSize);
                foreach (var sample in _source.ReadEpoch(Options.Seed, epoch, skip, token))
                {
                    samples.Add(sample);
                    if (samples.Count < _chunkSize) continue;
                    Submit(new Chunk(epoch, [.. samples]), token);
                    samples.Clear();
                }
                if (samples.Count > 0) Submit(new Chunk(epoch, [.. samples]), token);
                _order.Add(Chunk.EndOfEpoch(epoch, fresh: skip == 0), token);
            }
            _order.Add(Chunk.EndOfData(), token);
        }
        catch (Exception e) when (!token.IsCancellationRequested)
        {
            _order.Add(Chunk.Failure(e), token);
        }
        finally
        {
            _work.CompleteAdding();
        }
    }

    /// <summary>Into the order queue first, so the assembler knows every chunk a worker may be decoding.</summary>
    private void Submit(Chunk chunk, CancellationToken token)
    {
        _order.Add(chunk, token);
        _work.Add(chunk, token);
    }

    private void Decode()
    {
        var floats = _decoder.SampleFloats;
        foreach (var chunk in _work.GetConsumingEnumerable(_stop.Token))
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                for (var i = 0; i < chunk.Samples.Length; i++)
                {
                    var sample = chunk.Samples[i];
                    var buffer = ArrayPool<float>.Shared.Rent(floats);
                    try
                    {
                        _decoder.DecodeInto(sample, new SampleKey(Options.Seed, chunk.Epoch, sample.Index), buffer.AsSpan(0, floats));
                        chunk.Images[i] = buffer;
                        Interlocked.Increment(ref _imagesDecoded);
                    }
                    catch (ImageLoadException e)
                    {
                        ArrayPool<float>.Shared.Return(buffer);
                        _source.Counters.AddSkipped(SkipReason.UndecodableImage, e.Message);
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                chunk.Error = e;
            }
            finally
            {
                Interlocked.Add(ref _workerBusyTicks, Stopwatch.GetTimestamp() - started);
                chunk.Done.Set();
            }
        }
    }

    private void Assemble()
    {
        var token = _stop.Token;
        var pending = new List<(CaptionedImage Sample, float[] Image)>(Options.BatchSize);
        var batchesInEpoch = 0;
        try
        {
            foreach (var chunk in _order.GetConsumingEnumerable(token))
            {
                if (chunk.IsEndOfData) break;
                if (chunk.Error is { } sourceError) ExceptionDispatchInfo.Capture(sourceError).Throw();
                if (chunk.IsEndOfEpoch)
                {
                    if (pending.Count > 0 && !Options.DropLast)
                    {
                        Emit(pending, chunk.Epoch, token);
                        batchesInEpoch++;
                    }
                    ReleaseAll(pending);
                    if (batchesInEpoch == 0 && chunk.Fresh)
                        throw new InvalidDataException(
                            $"epoch {chunk.Epoch} gave no batch of {Options.BatchSize}: too few usable samples ({_source.Counters})");
                    batchesInEpoch = 0;
                    continue;
                }
                chunk.Done.Wait(token);
                if (chunk.Error is { } workerError) ExceptionDispatchInfo.Capture(workerError).Throw();
                for (var i = 0; i < chunk.Samples.Length; i++)
                {
                    if (chunk.Images[i] is not { } image) continue;
                    chunk.Images[i] = null;
                    pending.Add((chunk.Samples[i], image));
                    if (pending.Count < Options.BatchSize) continue;
                    Emit(pending, chunk.Epoch, token);
                    batchesInEpoch++;
                }
                chunk.Release();
            }
            _ready.CompleteAdding();
        }
        finally
        {
            ReleaseAll(pending);
        }
    }

    /// <summary>Packs the pending samples into a batch, returns their buffers to the pool and empties the list.</summary>
    private void Emit(List<(CaptionedImage Sample, float[] Image)> pending, int epoch, CancellationToken token)
    {
        var floats = _decoder.SampleFloats;
        var n = pending.Count;
        var images = new float[(long)n * floats];
        for (var i = 0; i < n; i++) pending[i].Image.AsSpan(0, floats).CopyTo(images.AsSpan(i * floats, floats));
        var captions = pending.Select(p => p.Sample.Caption).ToArray();
        var names = pending.Select(p => p.Sample.Name).ToArray();
        var indices = pending.Select(p => p.Sample.Index).ToArray();
        ReleaseAll(pending);

        var texts = _tokenize(captions);
        if (texts.Rank != 2 || texts.Size(0) != n)
        {
            texts.Dispose();
            throw new InvalidOperationException($"the tokenizer returned shape [{string.Join(", ", texts.Shape)}] for {n} captions; it must return [{n}, context]");
        }
        var r = _decoder.Resolution;
        var batch = new ClipBatch(Tensor.FromSpan<float>(images, [n, 3, r, r], DType.F32), texts, captions, names, indices,
            new DataPosition(Options.Seed, epoch, indices[^1] + 1));
        try
        {
            _ready.Add(batch, token);
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }

    private static void ReleaseAll(List<(CaptionedImage Sample, float[] Image)> pending)
    {
        foreach (var (_, image) in pending) ArrayPool<float>.Shared.Return(image);
        pending.Clear();
    }

    /// <summary>A run of consecutive samples decoded by one worker, or a marker for the end of an epoch or of the data.</summary>
    private sealed class Chunk
    {
        public Chunk(int epoch, CaptionedImage[] samples)
        {
            Epoch = epoch;
            Samples = samples;
            Images = new float[]?[samples.Length];
        }


        public int Epoch { get; }

        public CaptionedImage[] Samples { get; }

        /// <summary>Each sample's pooled CHW buffer, or null where decoding failed.</summary>
        public float[]?[] Images { get; }

        public ManualResetEventSlim Done { get; } = new();

        /// <summary>What went wrong reading (a marker of its own) or decoding (this chunk) that is not the sample's fault.</summary>
        public Exception? Error { get; set; }

        public bool IsEndOfEpoch { get; private init; }

        public bool IsEndOfData { get; private init; }

        /// <summary>For an end-of-epoch marker: the epoch was read from its start, not resumed part-way.</summary>
        public bool Fresh { get; private init; }

        public static Chunk EndOfEpoch(int epoch, bool fresh) => new(epoch, []) { IsEndOfEpoch = true, Fresh = fresh };

        public static Chunk EndOfData() => new(-1, []) { IsEndOfData = true };

        public static Chunk Failure(Exception error) => new(-1, []) { Error = error };

        /// <summary>Returns the buffers nobody took to the pool; only once no worker can still be writing them.</summary>
        public void Release()
        {
            for (var i = 0; i < Images.Length; i++)
            {
                if (Images[i] is { } image) ArrayPool<float>.Shared.Return(image);
                Images[i] = null;
            }
            Done.Dispose();
        }
    }
}
