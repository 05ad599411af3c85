namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;
using Ops = ClipEngine.Ops;

/// <summary>
/// Autograd through the ops of this family on cuda tensors: the same graphs built on cpu and on cuda tensors give the
/// same loss and the same gradient for every input. Tolerances cover the few-ulp differences of expf, tanhf and erfcf.
/// </summary>
[Collection(CudaTestDevice.Collection)]
public class CudaAutogradTests
{
    [Fact]
    public void EmbeddingLinearGeluPermuteMatMulGradientsMatchCpu()
    {
        var random = new Random(3);
        AssertSameGradients(x =>
        {
            var h = Ops.Embedding(x[0], x[1]);                      // GatherRows / ScatterAddRows, repeated tokens
            h = Ops.Linear(h, x[2], x[3]);                          // Broadcast of the bias, Gemm
            h = Ops.Gelu(h);
            h = Ops.Permute(h, 0, 2, 1);                            // tiled transpose
            h = Ops.MatMul(h, x[4]);                                // batched Gemm against one matrix
            h = Ops.QuickGelu(Ops.Mul(h, 0.5f));
            h = Ops.Add(Ops.Gelu(h, "tanh"), Ops.Exp(Ops.Mul(Ops.Tanh(h), 0.3f)));
            h = Ops.Pow(Ops.Sigmoid(h), 2f);
            return Ops.Sum(Ops.Clamp(h, min: 0.01f, max: 0.9f));    // Reduce, then Broadcast in its backward
        },
            Tensor.FromArray(Enumerable.Range(0, 10).Select(_ => (long)random.Next(7)).ToArray(), 2, 5),
            Tensor.FromArray(Normal(7 * 8, 1), 7, 8),
            Tensor.FromArray(Normal(6 * 8, 2), 6, 8),
            Tensor.FromArray(Normal(6, 3), 6),
            Tensor.FromArray(Normal(5 * 3, 4), 5, 3));
    }

    [Fact]
    public void PatchEmbedMaxAndIndexSelectGradientsMatchCpu()
    {
        AssertSameGradients(x =>
        {
            var tokens = Ops.PatchEmbed(x[0], x[1]);                // Im2Patches / Patches2Im, Gemm: [2, 6, 5]
            var (values, _) = Ops.Max(tokens, 1);                   // ScatterAlongAxis in the backward
            var picked = Ops.IndexSelect(tokens, 2, x[2]);          // Permute around GatherRows along axis 2
            var scaled = Ops.RDiv(1f, Ops.Add(Ops.Sqrt(Ops.Add(Ops.Mul(picked, picked), 1f)), 0.5f));
            return Ops.Add(Ops.Sum(Ops.Relu(values)), Ops.Sum(Ops.Log(Ops.Add(scaled, 1f))));
        },
            Tensor.FromArray(Normal(2 * 3 * 8 * 12, 5), 2, 3, 8, 12),
            Tensor.FromArray(Normal(5 * 3 * 4 * 4, 6).Select(v => 0.2f * v).ToArray(), 5, 3, 4, 4),
            Tensor.FromArray(new[] { 4, 0, 4, 2 }, 4));
    }

    /// <summary>Builds <paramref name="loss"/> on copies of the inputs on each device and compares the loss and every float input's gradient.</summary>
    private static void AssertSameGradients(Func<Tensor[], Tensor> loss, params Tensor[] inputs)
    {
        var actual = LossAndGradients(loss, [.. inputs.Select(ToDevice)]);
        var expected = LossAndGradients(loss, inputs);
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            CudaAssert.Close(expected[i], actual[i], 1e-5, 1e-6, i == 0 ? "loss" : $"gradient of float input {i - 1}");
    }

    /// <summary>The loss and the gradients of the floating-point leaves, on the host; the leaves and every tensor made on the way are disposed.</summary>
    private static float[][] LossAndGradients(Func<Tensor[], Tensor> loss, Tensor[] leaves)
    {
        try
        {
            using var scope = TensorScope.Begin();
            var floats = leaves.Where(t => t.DType == DType.F32).ToArray();
            foreach (var t in floats) t.RequiresGrad = true;
            var value = loss(leaves);
            value.Backward();
            return [value.ToArray<float>(), .. floats.Select(t => t.Grad!.ToArray<float>())];
        }
        finally
        {
            foreach (var t in leaves) t.Dispose();
        }
    }
}
