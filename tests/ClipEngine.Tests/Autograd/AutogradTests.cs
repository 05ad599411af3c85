using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Autograd;

using Autograd = ClipEngine.Autograd;
using Ops = ClipEngine.Ops;

public class AutogradTests
{
    [Fact]
    public void GradientsOfASharedInputAccumulateOverEveryPath()
    {
        // f(x) = sum(x·x + exp(x)·x) → df/dx = 2x + exp(x)(1 + x)
        using var x = Tensor.FromArray([0.5f, -1f, 2f], 3);
        x.RequiresGrad = true;
        using var scope = TensorScope.Begin();
        var y = Ops.Sum(x * x + Ops.Exp(x) * x);
        y.Backward();
        var expected = new[] { 0.5, -1, 2 }.Select(v => 2 * v + Math.Exp(v) * (1 + v)).ToArray();
        OpCheck.AssertClose(expected, x.Grad!.ToArray(), 1e-6, "dx");
    }

    [Fact]
    public void BackwardTwiceAccumulatesIntoLeafGradients()
    {
        using var x = Tensor.FromArray([1f, 2f], 2);
        x.RequiresGrad = true;
        using var scope = TensorScope.Begin();
        var y = Ops.Sum(x * 3f);
        y.Backward(retainGraph: true);
        y.Backward();
        Assert.Equal([6f, 6f], x.Grad!.ToArray());
        x.ZeroGrad();
        Assert.Null(x.Grad);
    }

    [Fact]
    public void ASecondBackwardThroughAReleasedGraphSaysWhy()
    {
        using var x = Tensor.FromArray([1f, 2f], 2);
        x.RequiresGrad = true;
        using var scope = TensorScope.Begin();
        var y = Ops.Sum(Ops.Exp(x));
        y.Backward();
        var error = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("retainGraph", error.Message);
    }

    [Fact]
    public void NonScalarBackwardNeedsAGradientOfItsShape()
    {
        using var x = Tensor.FromArray([1f, 2f, 3f], 3);
        x.RequiresGrad = true;
        using var scope = TensorScope.Begin();
        var y = x * 2f;
        Assert.Throws<InvalidOperationException>(() => y.Backward());
        using var g = Tensor.FromArray([1f, 10f, 100f], 3);
        y.Backward(g);
        Assert.Equal([2f, 20f, 200f], x.Grad!.ToArray());
        Assert.Equal([1f, 10f, 100f], g.ToArray());
    }

    [Fact]
    public void NoGradRecordsNothingAndDetachCutsTheGraph()
    {
        using var x = Tensor.FromArray([1f, 2f], 2);
        x.RequiresGrad = true;
        using var scope = TensorScope.Begin();
        using (Autograd.NoGrad())
        {
            var y = x * 2f;
            Assert.False(y.RequiresGrad);
            Assert.Null(y.GradFn);
        }
        var z = (x * 2f).Detach();
        Assert.False(z.RequiresGrad);
        Assert.True(z.IsLeaf);
        Assert.True(Autograd.IsEnabled);
    }

    [Fact]
    public void OnlyInputsThatRequireGradReceiveOne()
    {
        using var a = Tensor.FromArray([1f, 2f], 2);
        using var b = Tensor.FromArray([3f, 4f], 2);
        a.RequiresGrad = true;
        using var scope = TensorScope.Begin();
        Ops.Sum(a * b).Backward();
        Assert.Equal([3f, 4f], a.Grad!.ToArray());
        Assert.Null(b.Grad);
    }

    [Fact]
    public void LeafGradientsOwnTheirStorage()
    {
        // Add's backward hands the same incoming gradient to both inputs; each leaf must still get its own buffer
        // because optimizers update gradients in place.
        using var a = Tensor.FromArray([1f, 2f], 2);
        using var b = Tensor.FromArray([3f, 4f], 2);
        a.RequiresGrad = true;
        b.RequiresGrad = true;
        using var scope = TensorScope.Begin();
        Ops.Sum(a + b).Backward();
        Assert.NotSame(a.Grad!.Storage, b.Grad!.Storage);
    }

    [Fact]
    public void DeepGraphsDoNotOverflowTheStack()
    {
        using var x = Tensor.FromArray([1f], 1);
        x.RequiresGrad = true;
        using var scope = TensorScope.Begin();
        var y = x;
        for (var i = 0; i < 20_000; i++) y = y + 0f;
        Ops.Sum(y).Backward();
        Assert.Equal([1f], x.Grad!.ToArray());
    }

    [Fact]
    public void ScopeDisposesWhatItCreatedExceptKeptAndLeafGradients()
    {
        using var x = Tensor.FromArray([1f, 2f], 2);
        x.RequiresGrad = true;
        Tensor inside, kept;
        using (var scope = TensorScope.Begin())
        {
            inside = x * 2f;
            kept = scope.Keep(x * 3f);
            Ops.Sum(inside).Backward();
        }
        Assert.True(inside.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.False(x.IsDisposed);
        Assert.Equal([2f, 2f], x.Grad!.ToArray());
        kept.Dispose();
    }

    [Fact]
    public void NestedScopesMoveKeptTensorsOutward()
    {
        Tensor kept;
        using (var outer = TensorScope.Begin())
        {
            using (var inner = TensorScope.Begin())
                kept = inner.Keep(Tensor.Ones([2]));
            Assert.False(kept.IsDisposed);
        }
        Assert.True(kept.IsDisposed);
    }

    [Fact]
    public void ViewsKeepStorageAliveAfterTheOriginalIsDisposed()
    {
        var x = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        var y = x.Reshape(4);
        x.Dispose();
        Assert.Equal([1f, 2f, 3f, 4f], y.ToArray());
        y.Dispose();
        Assert.Throws<ObjectDisposedException>(() => y.ToArray());
    }
}
