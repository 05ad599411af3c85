using System.Text.Json;
using ClipEngine.Clip.Training;
using ClipEngine.IO;

namespace ClipEngine.Clip.Tests.Training;

/// <summary>Checks on run directories: tensors of two checkpoint files equal bit for bit, and the losses a run logged.</summary>
internal static class TrainAssert
{
    public static void SameTensors(string expectedPath, string actualPath)
    {
        var expected = SafeTensors.Load(expectedPath);
        var actual = SafeTensors.Load(actualPath);
        try
        {
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, tensor) in expected)
                Assert.True(Bytes(tensor).AsSpan().SequenceEqual(Bytes(actual[name])), $"{Path.GetFileName(actualPath)}: {name} differs");
        }
        finally
        {
            foreach (var t in expected.Values.Concat(actual.Values)) t.Dispose();
        }
    }

    /// <summary>The loss of every step in metrics.jsonl, as written.</summary>
    public static List<string> Losses(string runDir) =>
        [.. File.ReadLines(Path.Combine(runDir, "metrics.jsonl")).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("loss").GetRawText())];

    private static byte[] Bytes(Tensor t) => t.DType switch
    {
        DType.I64 => [.. t.ToArray<long>().SelectMany(BitConverter.GetBytes)],
        _ => [.. t.ToArray().SelectMany(BitConverter.GetBytes)],
    };
}

/// <summary>A progress listener that cancels the run once it reports the given step (synchronously, unlike Progress&lt;T&gt;).</summary>
internal sealed class StopAt(long step) : IProgress<TrainProgress>
{
    private readonly CancellationTokenSource _cancel = new();

    public CancellationToken Token => _cancel.Token;

    public void Report(TrainProgress value)
    {
        if (value.Result.Step == step) _cancel.Cancel();
    }
}
