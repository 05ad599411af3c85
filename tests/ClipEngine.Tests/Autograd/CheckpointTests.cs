using ClipEngine.Nn;

namespace ClipEngine.Tests.Autograd;

using Autograd = ClipEngine.Autograd;
using Ops = ClipEngine.Ops;

public sealed class CheckpointTests : IDisposable
{
    private readonly Linear _first = new(6, 10, new Generator(1));
    private readonly Linear _second = new(10, 6, new Generator(2));

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
    }

    /// <summary>Two layers with a residual connection, like one transformer block.</summary>
    private Tensor Block(Tensor x) => x + _second.Forward(Ops.Gelu(_first.Forward(x)));

    private IEnumerable<Tensor> BlockParameters => _first.Parameters().Concat(_second.Parameters());

    /// <summary>Runs three blocks on a fixed input, each checkpointed or not; returns the output, input gradient and parameter gradients.</summary>
    private (float[] Output, float[] InputGrad, float[][] ParameterGrads) Run(bool checkpointed)
    {
        foreach (var p in BlockParameters) p.ZeroGrad();
        using var scope = TensorScope.Begin();
        var input = Tensor.Randn([4, 6], new Generator(7));
        input.RequiresGrad = true;
        var x = input;
        for (var i = 0; i < 3; i++) x = checkpointed ? Checkpoint.Run(Block, x, BlockParameters) : Block(x);
        var output = x.ToArray();
        Ops.Sum(x * x).Backward();
        return (output, input.Grad!.ToArray(), [.. BlockParameters.Select(p => p.Grad!.ToArray())]);
    }

    [Fact]
    public void CheckpointedBlocksGiveTheSameOutputAndGradients()
    {
        var plain = Run(checkpointed: false);
        var checkpointed = Run(checkpointed: true);
        // The same ops run on the same values in the same order, so the results agree bit for bit.
        Assert.Equal(plain.Output, checkpointed.Output);
        Assert.Equal(plain.InputGrad, checkpointed.InputGrad);
        Assert.Equal(plain.ParameterGrads.Length, checkpointed.ParameterGrads.Length);
        for (var i = 0; i < plain.ParameterGrads.Length; i++) Assert.Equal(plain.ParameterGrads[i], checkpointed.ParameterGrads[i]);
    }

    [Fact]
    public void TheForwardKeepsNoGraphInsideTheSegment()
    {
        using var scope = TensorScope.Begin();
        var input = Tensor.Randn([4, 6], new Generator(7));
        input.RequiresGrad = true;
        var output = Checkpoint.Run(Block, input, BlockParameters);
        // The output's producer reads the segment's input and parameters directly: nothing in between was recorded.
        Assert.Equal("CheckpointBackward", output.GradFn!.Name);
        Assert.Equal([input, .. BlockParameters], output.GradFn.Inputs);
    }

    [Fact]
    public void ParametersGetGradientsEvenWhenTheInputNeedsNone()
    {
        foreach (var p in BlockParameters) p.ZeroGrad();
        using var scope = TensorScope.Begin();
        var input = Tensor.Randn([4, 6], new Generator(7));
        Ops.Sum(Checkpoint.Run(Block, input, BlockParameters)).Backward();
        Assert.All(BlockParameters, p => Assert.NotNull(p.Grad));
        foreach (var p in BlockParameters) p.ZeroGrad();
    }

    [Fact]
    public void WithoutGradModeItIsAPlainCall()
    {
        using var scope = TensorScope.Begin();
        using var _ = Autograd.NoGrad();
        var output = Checkpoint.Run(Block, Tensor.Randn([4, 6], new Generator(7)), BlockParameters);
        Assert.Null(output.GradFn);
    }

    [Fact]
    public void EnableGradRecordsInsideNoGradAndRestoresIt()
    {
        using (Autograd.NoGrad())
        {
            using (Autograd.EnableGrad()) Assert.True(Autograd.IsEnabled);
            Assert.False(Autograd.IsEnabled);
        }
        Assert.True(Autograd.IsEnabled);
    }
}
