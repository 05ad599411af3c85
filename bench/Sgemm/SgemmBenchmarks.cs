using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using ClipEngine.Backends.Cpu;

namespace ClipEngine.Bench.Sgemm;

/// <summary>One GEMM problem: C[M,N] = A[M,K] * op(B)[K,N], B stored [N,K] when TransB (a Linear layer's weight).</summary>
/// <param name="Order">Position in the summary table, which BenchmarkDotNet sorts by comparing parameter values.</param>
public sealed record GemmShape(int Order, string Name, int M, int N, int K, bool TransB) : IComparable<GemmShape>, IComparable
{
    public double Flops => 2.0 * M * N * K;

    public int CompareTo(GemmShape? other) => other is null ? 1 : Order.CompareTo(other.Order);

    public int CompareTo(object? obj) => CompareTo(obj as GemmShape);

    public override string ToString() => $"{Name} {M}x{N}x{K}{(TransB ? " Bt" : "")}";
}

public unsafe class SgemmBenchmarks
{
    private float* a, b, c;

    public static IEnumerable<GemmShape> Shapes() =>
    [
        new(0, "square", 256, 256, 256, false),
        new(1, "square", 1024, 1024, 1024, false),
        new(2, "square", 2048, 2048, 2048, false),
        // ViT-B/32 at batch 32: 50 tokens per image, width 768, MLP width 3072; weights are [out, in].
        new(3, "vit-mlp-up", 1600, 3072, 768, true),
        new(4, "vit-proj", 1600, 768, 768, true),
        new(5, "vit-mlp-down", 1600, 768, 3072, true),
    ];

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = Shapes().First();

    [GlobalSetup]
    public void Setup()
    {
        a = Allocate((long)Shape.M * Shape.K, 1);
        b = Allocate((long)Shape.K * Shape.N, 2);
        c = Allocate((long)Shape.M * Shape.N, 3);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(a);
        NativeMemory.AlignedFree(b);
        NativeMemory.AlignedFree(c);
    }

    [Benchmark]
    public void Gemm()
    {
        GemmShape s = Shape;
        Backends.Cpu.Sgemm.Gemm(false, s.TransB, s.M, s.N, s.K, 1f, a, s.K, b, s.TransB ? s.K : s.N, 0f, c, s.N);
    }

    private static float* Allocate(long count, int seed)
    {
        var p = (float*)NativeMemory.AlignedAlloc((nuint)count * sizeof(float), 64);
        var rng = new Random(seed);
        for (long i = 0; i < count; i++)
        {
            p[i] = rng.NextSingle() - 0.5f;
        }
        return p;
    }
}
