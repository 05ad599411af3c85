using ClipEngine.IO;
using ClipEngine.Optim;
using ClipEngine.Tests.Support;

namespace ClipEngine.Tests.Optim;

public sealed class AdamWTests : IDisposable
{
    private const double Lr = 1e-2, Beta1 = 0.9, Beta2 = 0.999, Eps = 1e-8;

    private readonly string _dir = Directory.CreateTempSubdirectory("clipengine-adamw-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// torch.optim.AdamW in float64, one step of one tensor at step t (1-based):
    /// g ← g·scale; p ← p·(1 − lr·wd); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + eps).
    /// </summary>
    private static void ReferenceStep(double[] p, double[] m, double[] v, double[] g, int t, double lr, double wd, double gradScale = 1)
    {
        for (var i = 0; i < p.Length; i++)
        {
            var gi = g[i] * gradScale;
            p[i] *= 1 - lr * wd;
            m[i] = Beta1 * m[i] + (1 - Beta1) * gi;
            v[i] = Beta2 * v[i] + (1 - Beta2) * gi * gi;
            var mHat = m[i] / (1 - Math.Pow(Beta1, t));
            var vHat = v[i] / (1 - Math.Pow(Beta2, t));
            p[i] -= lr * mHat / (Math.Sqrt(vHat) + Eps);
        }
    }

    public static TheoryData<int, double, float> Cases()
    {
        var data = new TheoryData<int, double, float>();
        foreach (var n in new[] { 1, 3, 17, 65, 100_003 })
        foreach (var wd in new[] { 0, 0.1 })
        foreach (var scale in new[] { 1f, 0.37f })
            data.Add(n, wd, scale);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TwoStepsMatchTheFloat64Formula(int n, double weightDecay, float gradScale)
    {
        var random = new Random(n);
        var p = Draw(random, n);
        var grads = new[] { Draw(random, n), Draw(random, n) };
        double[] m = new double[n], v = new double[n];
        using var param = Parameter(p);
        using var optimizer = new AdamW([param], Lr, Beta1, Beta2, Eps, weightDecay);
        for (var t = 1; t <= 2; t++)
        {
            param.Grad = Tensor.FromDoubles(grads[t - 1], [n]);
            optimizer.Step(gradScale);
            ReferenceStep(p, m, v, grads[t - 1], t, Lr, weightDecay, gradScale);
            OpCheck.AssertClose(p, param.ToArray(), 1e-6, $"param after step {t}");
            var state = optimizer.StateDict();
            OpCheck.AssertClose(m, state["state.0.exp_avg"].ToArray(), 1e-6, $"exp_avg after step {t}");
            AssertRelative(v, state["state.0.exp_avg_sq"].ToArray(), $"exp_avg_sq after step {t}");
            Assert.Equal([(long)t], state["state.0.step"].ToArray<long>());
            foreach (var s in state.Values) s.Dispose();
        }
    }

    [Fact]
    public void ParamGroupsUseTheirOwnWeightDecayAndLearningRateScale()
    {
        var random = new Random(31);
        var pa = Draw(random, 17);
        var pb = Draw(random, 65);
        double[] ma = new double[17], va = new double[17], mb = new double[65], vb = new double[65];
        using var a = Parameter(pa);
        using var b = Parameter(pb);
        ParamGroup[] groups = [new([a], WeightDecay: 0), new([b], LrScale: 0.5)];
        using var optimizer = new AdamW(groups, Lr, weightDecay: 0.2);
        for (var t = 1; t <= 2; t++)
        {
            var ga = Draw(random, 17);
            var gb = Draw(random, 65);
            a.Grad = Tensor.FromDoubles(ga, [17]);
            b.Grad = Tensor.FromDoubles(gb, [65]);
            optimizer.Step();
            ReferenceStep(pa, ma, va, ga, t, Lr, 0);
            ReferenceStep(pb, mb, vb, gb, t, Lr * 0.5, 0.2);
            OpCheck.AssertClose(pa, a.ToArray(), 1e-6, $"no-decay group after step {t}");
            OpCheck.AssertClose(pb, b.ToArray(), 1e-6, $"decay group after step {t}");
        }
    }

    [Fact]
    public void WithZeroGradientsOnlyTheDecayGroupShrinks()
    {
        using var kept = Tensor.FromArray([1f, -2f, 3f], 3);
        using var decayed = Tensor.FromArray([1f, -2f, 3f], 3);
        kept.RequiresGrad = decayed.RequiresGrad = true;
        kept.Grad = Tensor.Zeros([3]);
        decayed.Grad = Tensor.Zeros([3]);
        using var optimizer = new AdamW([new ParamGroup([kept], 0), new ParamGroup([decayed])], lr: 0.1, weightDecay: 0.5);
        optimizer.Step();
        Assert.Equal([1f, -2f, 3f], kept.ToArray());
        const float factor = 0.95f;
        Assert.Equal([factor, -2f * factor, 3f * factor], decayed.ToArray());
    }

    [Fact]
    public void SplitWeightDecayFollowsOpenClip()
    {
        using var scope = TensorScope.Begin();
        var named = new (string Name, int[] Shape, bool Decay)[]
        {
            ("visual.conv1.weight", [8, 3, 2, 2], true),
            ("token_embedding.weight", [10, 4], true),
            ("positional_embedding", [77, 4], true),
            ("text_projection", [4, 4], true),
            ("visual.class_embedding", [4], false),
            ("ln_final.weight", [4], false),
            ("logit_scale", [], false),
            ("resblocks.0.attn.in_proj_bias", [12], false),
            ("visual.bn1.weight_2d", [4, 4], false),
            ("visual.ln_post.matrix", [4, 4], false),
            ("head.bias_matrix", [4, 4], false),
            ("logit_scale_matrix", [2, 2], false),
        };
        var tensors = named.Select(p =>
        {
            var t = Tensor.Zeros(p.Shape);
            t.RequiresGrad = true;
            return KeyValuePair.Create(p.Name, t);
        }).ToList();
        tensors.Add(KeyValuePair.Create("frozen.weight", Tensor.Zeros([4, 4])));

        var groups = ParamGroup.SplitWeightDecay(tensors, 0.2);

        Assert.Equal(2, groups.Length);
        Assert.Equal(0, groups[0].WeightDecay);
        Assert.Equal(0.2, groups[1].WeightDecay);
        Assert.Equal(tensors.Where((_, i) => i < named.Length && !named[i].Decay).Select(p => p.Value), groups[0].Parameters);
        Assert.Equal(tensors.Where((_, i) => i < named.Length && named[i].Decay).Select(p => p.Value), groups[1].Parameters);
    }

    [Fact]
    public void ParametersWithoutGradientsAreSkippedAndStateIsCreatedOnFirstUpdate()
    {
        using var a = Parameter([1, 2, 3]);
        using var b = Parameter([4, 5]);
        using var optimizer = new AdamW([a, b]);
        Assert.Empty(optimizer.StateDict());
        a.Grad = Tensor.Ones([3]);
        optimizer.Step();
        var state = optimizer.StateDict();
        Assert.Equal(["state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq"], state.Keys);
        Assert.Equal(DType.I64, state["state.0.step"].DType);
        Assert.Equal([], state["state.0.step"].Shape);
        Assert.Equal([3], state["state.0.exp_avg"].Shape);
        Assert.Equal(DType.F32, state["state.0.exp_avg_sq"].DType);
        Assert.Equal([4f, 5f], b.ToArray());
        foreach (var t in state.Values) t.Dispose();

        optimizer.ZeroGrad();
        Assert.Null(a.Grad);
        optimizer.Step();
        using var step = optimizer.StateDict()["state.0.step"];
        Assert.Equal([1L], step.ToArray<long>());
    }

    [Fact]
    public void GradScaleEqualsStepOnPreScaledGradients()
    {
        var random = new Random(32);
        var p0 = Draw(random, 65);
        var g = Draw(random, 65);
        using var a = Parameter(p0);
        using var b = Parameter(p0);
        using var optA = new AdamW([a], lr: 0.05, weightDecay: 0.1);
        using var optB = new AdamW([b], lr: 0.05, weightDecay: 0.1);
        for (var step = 0; step < 2; step++)
        {
            a.Grad = Tensor.FromDoubles(g, [65]);
            using (var raw = Tensor.FromDoubles(g, [65])) b.Grad = raw * 0.25f;
            optA.Step(gradScale: 0.25f);
            optB.Step();
        }
        Assert.Equal(b.ToArray(), a.ToArray());
    }

    [Fact]
    public void StateDictThroughSafeTensorsResumesBitForBit()
    {
        var random = new Random(33);
        var p0 = Draw(random, 17);
        var grads = Enumerable.Range(0, 3).Select(_ => Draw(random, 17)).ToArray();
        using var continuous = Parameter(p0);
        using var optContinuous = new AdamW([continuous], lr: 0.03, weightDecay: 0.1);
        using var resumed = Parameter(p0);
        using (var optFirst = new AdamW([resumed], lr: 0.03, weightDecay: 0.1))
        {
            for (var t = 0; t < 2; t++)
            {
                continuous.Grad = Tensor.FromDoubles(grads[t], [17]);
                resumed.Grad = Tensor.FromDoubles(grads[t], [17]);
                optContinuous.Step();
                optFirst.Step();
            }
            var state = optFirst.StateDict();
            SafeTensors.Save(Path.Combine(_dir, "optimizer.safetensors"), state);
            foreach (var t in state.Values) t.Dispose();
        }
        using var optSecond = new AdamW([resumed], lr: 0.03, weightDecay: 0.1);
        var loaded = SafeTensors.Load(Path.Combine(_dir, "optimizer.safetensors"));
        optSecond.LoadStateDict(loaded);
        foreach (var t in loaded.Values) t.Dispose();

        continuous.Grad = Tensor.FromDoubles(grads[2], [17]);
        resumed.Grad = Tensor.FromDoubles(grads[2], [17]);
        optContinuous.Step();
        optSecond.Step();
        Assert.Equal(continuous.ToArray(), resumed.ToArray());
        using var step = optSecond.StateDict()["state.0.step"];
        Assert.Equal([3L], step.ToArray<long>());
    }

    [Fact]
    public void LoadStateDictListsEveryProblem()
    {
        using var a = Parameter([1, 2, 3]);
        using var optimizer = new AdamW([a]);
        using var scope = TensorScope.Begin();
        var state = new Dictionary<string, Tensor>
        {
            ["state.0.step"] = Tensor.FromSpan<long>([2L], [], DType.I64),
            ["state.0.exp_avg"] = Tensor.Zeros([4]),
            ["state.3.exp_avg"] = Tensor.Zeros([3]),
            ["momentum"] = Tensor.Zeros([3]),
        };
        var message = Assert.Throws<ArgumentException>(() => optimizer.LoadStateDict(state)).Message;
        Assert.Contains("state.0.exp_avg\" is [4]", message);
        Assert.Contains("names parameter 3", message);
        Assert.Contains("unexpected key \"momentum\"", message);
        Assert.Contains("state.0.exp_avg_sq is missing", message);
    }

    [Fact]
    public void RejectsParametersItCannotUpdate()
    {
        using var half = Tensor.Zeros([2], DType.F16);
        Assert.Contains("F16", Assert.Throws<ArgumentException>(() => new AdamW([half])).Message);
        using var a = Parameter([1]);
        Assert.Contains("more than one", Assert.Throws<ArgumentException>(() => new AdamW([new ParamGroup([a]), new ParamGroup([a])])).Message);
    }

    private static Tensor Parameter(double[] values)
    {
        var t = Tensor.FromDoubles(values, [values.Length]);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>Normal values already rounded to float, so the reference starts from exactly what the optimizer sees.</summary>
    private static double[] Draw(Random random, int n) =>
        Enumerable.Range(0, n).Select(_ => (double)(float)InputSpec.NextNormal(random)).ToArray();

    /// <summary>For the second moment, a sum of positive terms: no cancellation, so a relative bound holds.</summary>
    private static void AssertRelative(double[] expected, float[] actual, string what)
    {
        for (var i = 0; i < expected.Length; i++)
        {
            if (!(Math.Abs(actual[i] - expected[i]) <= 2e-6 * Math.Abs(expected[i]) + 1e-15))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R}");
        }
    }
}
