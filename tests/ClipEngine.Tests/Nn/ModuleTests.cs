using ClipEngine.Nn;

namespace ClipEngine.Tests.Nn;

using Ops = ClipEngine.Ops;

public class ModuleTests
{
    [Fact]
    public void NamesAreDottedAndInRegistrationOrder()
    {
        using var tree = new Tree();
        Assert.Equal(
            ["logit_scale", "encoder.0.weight", "encoder.0.bias", "encoder.1.weight", "encoder.1.bias", "head.weight", "head.bias"],
            tree.NamedParameters().Select(p => p.Key));
        Assert.Equal(
            ["step", "encoder.0.running_mean", "encoder.0.scratch", "encoder.1.running_mean", "encoder.1.scratch", "head.running_mean", "head.scratch"],
            tree.NamedBuffers().Select(b => b.Key));
        Assert.Equal(["", "encoder", "encoder.0", "encoder.1", "head"], tree.NamedModules().Select(m => m.Key));
        Assert.Equal(["encoder", "head"], tree.NamedChildren().Select(m => m.Key));
        Assert.Same(tree.Head.Weight, tree.NamedParameters().Single(p => p.Key == "head.weight").Value);
        Assert.Equal(7, tree.Parameters().Count());
    }

    [Fact]
    public void ParametersAreLeavesThatRequireGradAndOutliveTheScopeThatMadeThem()
    {
        Tree tree;
        using (TensorScope.Begin()) tree = new Tree();
        using (tree)
        {
            foreach (var p in tree.Parameters())
            {
                Assert.False(p.IsDisposed);
                Assert.True(p.IsLeaf);
                Assert.True(p.RequiresGrad);
            }
            Assert.All(tree.Buffers(), b => Assert.False(b.IsDisposed));
            Assert.All(tree.Buffers(), b => Assert.False(b.RequiresGrad));
        }
    }

    [Fact]
    public void GradientsReachTheParametersOfChildren()
    {
        using var tree = new Tree();
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1f, -2f, 3f], 3);
        var y = tree.Encoder[0].Forward(x);
        Ops.Sum(y * tree.Parameters().First()).Backward();
        var layer = (Affine)tree.Encoder[0];
        Assert.Equal([2.5f, -5f, 7.5f], layer.Weight.Grad!.ToArray());
        Assert.Equal([2.5f, 2.5f, 2.5f], layer.Bias.Grad!.ToArray());
    }

    [Fact]
    public void RejectsDuplicateDottedEmptyNamesAndNonLeafParameters()
    {
        using var tree = new Tree();
        using var a = Tensor.Zeros([2]);
        Assert.Contains("already has", Assert.Throws<ArgumentException>(() => tree.RegisterParameter("head", a)).Message);
        Assert.Contains("already has", Assert.Throws<ArgumentException>(() => tree.RegisterBuffer("logit_scale", a)).Message);
        Assert.Contains("'.'", Assert.Throws<ArgumentException>(() => tree.RegisterParameter("a.b", a)).Message);
        Assert.ThrowsAny<ArgumentException>(() => tree.RegisterParameter("", a));
        using var leaf = Tensor.Ones([2]);
        leaf.RequiresGrad = true;
        using var computed = leaf * 2f;
        Assert.Contains("leaf", Assert.Throws<ArgumentException>(() => tree.RegisterParameter("computed", computed)).Message);
    }

    [Fact]
    public void TrainAndEvalReachEveryDescendant()
    {
        using var tree = new Tree();
        Assert.All(tree.NamedModules(), m => Assert.True(m.Value.IsTraining));
        Assert.Same(tree, tree.Eval());
        Assert.All(tree.NamedModules(), m => Assert.False(m.Value.IsTraining));
        tree.Train();
        Assert.All(tree.NamedModules(), m => Assert.True(m.Value.IsTraining));
    }

    [Fact]
    public void DisposeReleasesParametersGradientsAndBuffersOfAllDescendants()
    {
        var tree = new Tree();
        var parameters = tree.Parameters().ToArray();
        var buffers = tree.Buffers().ToArray();
        tree.Head.Weight.Grad = Tensor.Ones([2]);
        var grad = tree.Head.Weight.Grad;
        tree.Dispose();
        Assert.All(parameters, p => Assert.True(p.IsDisposed));
        Assert.All(buffers, b => Assert.True(b.IsDisposed));
        Assert.True(grad.IsDisposed);
    }

    [Fact]
    public void ATensorOrModuleRegisteredTwiceIsListedOnce()
    {
        var generator = new Generator(3);
        var shared = new Affine(4, generator);
        using var outer = new Sequential(shared, shared);
        Assert.Equal(["0.weight", "0.bias"], outer.NamedParameters().Select(p => p.Key));
        Assert.Equal(["", "0"], outer.NamedModules().Select(m => m.Key));
        Assert.Equal(["0.weight", "0.bias", "0.running_mean", "1.weight", "1.bias", "1.running_mean"], outer.StateDict().Keys);
    }

    [Fact]
    public void ToTheCurrentDeviceKeepsEveryTensor()
    {
        using var tree = new Tree();
        var before = tree.StateDict().Values.ToArray();
        Assert.Same(tree, tree.To(Device.Cpu));
        Assert.Equal(before, tree.StateDict().Values);
        Assert.All(before, t => Assert.False(t.IsDisposed));
    }

    [Fact]
    public void SequentialChainsItsModulesAndNamesThemByIndex()
    {
        var generator = new Generator(5);
        using var seq = new Sequential(new Affine(3, generator), new Affine(3, generator));
        Assert.Equal(2, seq.Count);
        Assert.Equal(["0", "1"], seq.NamedChildren().Select(c => c.Key));
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([0.5f, -1f, 2f], 3);
        var expected = seq[1].Forward(seq[0].Forward(x)).ToArray();
        Assert.Equal(expected, seq.Forward(x).ToArray());
        using var empty = new Sequential();
        Assert.Same(x, empty.Forward(x));
    }

    [Fact]
    public void ModuleListIsIndexableEnumerableAndGrows()
    {
        var generator = new Generator(6);
        using var list = new ModuleList<Affine> { new(2, generator), new(3, generator) };
        list.Add(new Affine(4, generator));
        Assert.Equal(3, list.Count);
        Assert.Equal([2, 3, 4], list.Select(m => m.Weight.Size(0)));
        Assert.Equal(4, list[2].Bias.Size(0));
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"], list.NamedParameters().Select(p => p.Key));
        using var x = Tensor.Zeros([2]);
        Assert.Contains("ModuleList", Assert.Throws<NotSupportedException>(() => list.Forward(x)).Message);
    }
}
