using ClipEngine.Nn;

namespace ClipEngine.Tests.Support;

/// <summary>
/// <see cref="OpCheck"/> for a module: its forward on a random input against a float64 reference, and the
/// gradients of the input and of every parameter against central finite differences of that reference.
/// </summary>
public static class ModuleCheck
{
    /// <param name="reference">The same math in float64: values[0] is the flattened input, then each parameter in NamedParameters order.</param>
    public static void Check(
        Module module,
        Func<Tensor, Tensor> forward,
        Func<double[][], double[]> reference,
        InputSpec input,
        int seed = 1,
        double forwardTolerance = 1e-5,
        double gradTolerance = 1e-4)
    {
        var random = new Random(seed);
        var named = module.NamedParameters().ToArray();
        double[][] values = [OpCheck.Draw(input, random), .. named.Select(p => p.Value.ToArray().Select(v => (double)v).ToArray())];
        using var scope = TensorScope.Begin();
        var x = OpCheck.MakeTensor(input, values[0]);
        var y = forward(x);
        OpCheck.AssertClose(reference(values), y.ToArray(), forwardTolerance, "forward");

        var upstream = Enumerable.Range(0, (int)y.NumEl).Select(_ => (double)(float)InputSpec.NextNormal(random)).ToArray();
        y.Backward(Tensor.FromDoubles(upstream, y.Shape));
        (string Name, Tensor Tensor)[] checkedTensors = [("input", x), .. named.Select(p => (p.Key, p.Value))];
        for (var i = input.Differentiable ? 0 : 1; i < checkedTensors.Length; i++)
        {
            var (name, tensor) = checkedTensors[i];
            var grad = tensor.Grad;
            Assert.True(grad is not null, $"{name} got no gradient");
            var ours = grad.ToArray();
            var probed = OpCheck.ProbedElements(ours.Length, random);
            var numeric = OpCheck.FiniteDifference(reference, values, i, upstream, probed);
            OpCheck.AssertClose(numeric, probed.Select(j => ours[j]).ToArray(), gradTolerance, $"gradient of {name}");
        }
        foreach (var (_, p) in named) p.ZeroGrad();
    }
}
