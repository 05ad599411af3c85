using System.Globalization;
using ClipEngine.Bench.Cuda;
using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Cuda;

/// <summary>
/// The bench's `cuda` verb at its --quick sizes on the test device (the emulated driver in CI): every benchmark the
/// verb promises has a row with a positive median time. Correctness only; the times are never compared with anything.
/// </summary>
[Collection(CudaTestDevice.Collection)]
public class CudaBenchVerbTests
{
    // The benchmarks, in table order: memcpy first (the yardstick), the memory-bound ops, attention, then the GEMMs.
    private static readonly string[] Expected =
    [
        "memcpy d2d", "fill", "cast f32->bf16", "add", "add bias", "add f32+bf16", "reduce sum dim 0", "reduce sum dim 1",
        "quickgelu fwd", "quickgelu bwd", "quickgelu fwd bf16", "quickgelu bwd bf16",
        "layernorm fwd text", "layernorm bwd text", "layernorm fwd image", "layernorm bwd image",
        "softmax short rows", "softmax long rows", "contrastive loss fwd", "contrastive loss bwd", "adamw step",
        "attention fwd image", "attention bwd image", "attention fwd text causal", "attention bwd text causal",
        "attention fwd image bf16", "attention bwd image bf16", "attention fwd text causal bf16", "attention bwd text causal bf16",
        "sgemm square", "tf32 gemm square", "bf16 gemm square",
        "sgemm qkv", "sgemm attn out", "sgemm mlp up", "sgemm mlp down", "sgemm mlp up dW",
        "tf32 gemm qkv", "tf32 gemm attn out", "tf32 gemm mlp up", "tf32 gemm mlp down", "tf32 gemm mlp up dW",
    ];

    [Fact]
    public void QuickRunHasEveryBenchmarkWithAPositiveTime()
    {
        var output = new StringWriter();
        var exit = CudaVerb.Run(CudaTestDevice.Backend, CudaBenchOptions.Quick, output);
        var text = output.ToString();

        Assert.True(exit == 0, text);
        var lines = text.Split('\n');
        var header = Array.IndexOf(lines, ResultTable.Header);
        Assert.True(header >= 0, $"no table header in:\n{text}");
        var rows = lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|'))
            .Select(l => l.Split('|').Select(c => c.Trim()).ToArray()[1..^1]).ToList();
        Assert.Equal(Expected, rows.Select(r => r[0]));
        foreach (var row in rows)
        {
            Assert.True(row.Length == 9, $"{row[0]}: {row.Length} cells");
            Assert.Equal(CudaBenchOptions.Quick.MinReps.ToString(CultureInfo.InvariantCulture), row[2]);
            var microseconds = double.Parse(row[3], CultureInfo.InvariantCulture);
            Assert.True(microseconds > 0 && double.IsFinite(microseconds), $"{row[0]}: median {row[3]} µs");
        }
        Assert.Equal(!CudaTestDriver.IsReal, text.Contains("EMULATED DRIVER", StringComparison.Ordinal));
    }
}
