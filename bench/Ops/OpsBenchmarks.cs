using BenchmarkDotNet.Attributes;
using ClipEngine.Optim;

namespace ClipEngine.Bench.Ops;

using Ops = ClipEngine.Ops;

/// <summary>
/// One benchmark per op family on the Cpu backend at ViT-B/32-like shapes (8 images: 400 tokens of width 768,
/// 12 heads of 64), forward and forward + backward. <see cref="Bytes"/> is the minimum memory traffic of each,
/// from which the `ops` verb prints GB/s for the memory-bound ones.
/// </summary>
[MemoryDiagnoser(false)]
public class OpsBenchmarks
{
    private const int Tokens = 400;
    private const int Width = 768;
    private const int Batch = 8;
    private const int Heads = 12;
    private const int Sequence = 50;
    private const int HeadSize = 64;

    /// <summary>Bytes each benchmark must at least read and write once (F32), by method name.</summary>
    public static readonly Dictionary<string, double> Bytes = new()
    {
        [nameof(QuickGelu)] = 2.0 * 4 * Tokens * 4 * Width,
        [nameof(Add)] = 3.0 * 4 * Tokens * 4 * Width,
        [nameof(LayerNorm)] = 2.0 * 4 * Tokens * Width,
        [nameof(LayerNormForwardBackward)] = 5.0 * 4 * Tokens * Width,
        [nameof(Softmax)] = 2.0 * 4 * Batch * Heads * Sequence * Sequence,
        [nameof(Attention)] = 4.0 * 4 * Batch * Heads * Sequence * HeadSize,
        [nameof(AttentionForwardBackward)] = 11.0 * 4 * Batch * Heads * Sequence * HeadSize,
        [nameof(Linear)] = 4.0 * (Tokens * Width + 4 * Width * Width + Tokens * 4 * Width),
        [nameof(ContrastiveLossForwardBackward)] = 2.0 * 4 * 256 * 256,
        [nameof(AdamWStep)] = 7.0 * 4 * 4 * Width * Width,
    };

    private readonly Generator _generator = new(0);
    private Tensor _tokens = null!, _wide = null!, _wide2 = null!, _gain = null!, _bias = null!;
    private Tensor _scores = null!, _q = null!, _k = null!, _v = null!, _weight = null!, _logits = null!;
    private Tensor _param = null!;
    private AdamW _optimizer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _tokens = Tensor.Randn([Tokens, Width], _generator);
        _wide = Tensor.Randn([Tokens, 4 * Width], _generator);
        _wide2 = Tensor.Randn([Tokens, 4 * Width], _generator);
        _gain = Tensor.Randn([Width], _generator);
        _bias = Tensor.Randn([Width], _generator);
        _scores = Tensor.Randn([Batch * Heads * Sequence, Sequence], _generator);
        _q = Tensor.Randn([Batch, Heads, Sequence, HeadSize], _generator);
        _k = Tensor.Randn([Batch, Heads, Sequence, HeadSize], _generator);
        _v = Tensor.Randn([Batch, Heads, Sequence, HeadSize], _generator);
        _weight = Tensor.Randn([4 * Width, Width], _generator, std: 0.02f);
        _logits = Tensor.Randn([256, 256], _generator, std: 5f);
        _param = Tensor.Randn([4 * Width, Width], _generator);
        _param.RequiresGrad = true;
        _param.Grad = Tensor.Randn([4 * Width, Width], _generator);
        _optimizer = new AdamW([_param]);
    }

    [Benchmark]
    public void QuickGelu()
    {
        using var y = Ops.QuickGelu(_wide);
    }

    [Benchmark]
    public void Add()
    {
        using var y = Ops.Add(_wide, _wide2);
    }

    [Benchmark]
    public void LayerNorm()
    {
        using var y = Ops.LayerNorm(_tokens, _gain, _bias);
    }

    [Benchmark]
    public void LayerNormForwardBackward() => ForwardBackward(_tokens, x => Ops.LayerNorm(x, _gain, _bias));

    [Benchmark]
    public void Softmax()
    {
        using var y = Ops.Softmax(_scores);
    }

    [Benchmark]
    public void Attention()
    {
        using var y = Ops.ScaledDotProductAttention(_q, _k, _v, causal: true);
    }

    [Benchmark]
    public void AttentionForwardBackward() => ForwardBackward(_q, q => Ops.ScaledDotProductAttention(q, _k, _v, causal: true));

    [Benchmark]
    public void Linear()
    {
        using var y = Ops.Linear(_tokens, _weight);
    }

    [Benchmark]
    public void ContrastiveLossForwardBackward() => ForwardBackward(_logits, Ops.ContrastiveLoss);

    [Benchmark]
    public void AdamWStep() => _optimizer.Step();

    /// <summary>Forward and backward of f at x inside a scope, so every intermediate and gradient is released.</summary>
    private static void ForwardBackward(Tensor x, Func<Tensor, Tensor> f)
    {
        using var scope = TensorScope.Begin();
        using var leaf = x.Detach();
        leaf.RequiresGrad = true;
        var y = f(leaf);
        if (y.NumEl == 1) y.Backward();
        else y.Backward(Tensor.OnesLike(y));
    }
}
