using System.Globalization;
using ClipEngine.Backends;

namespace ClipEngine.Optim;

/// <summary>
/// torch.optim.AdamW (Loshchilov &amp; Hutter, 2019), without amsgrad: for each parameter with a gradient g, at its
/// own step t (1-based),
///   p ← p·(1 − lr·wd);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  p ← p − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + eps).
/// The state (step, exp_avg, exp_avg_sq) is created on a parameter's first update, F32 on its device; the update
/// itself is one backend call per parameter.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly Tensor[] _parameters;
    private readonly ParamGroup[] _groupOf;
    private readonly State?[] _state;

    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2)
        : this([new ParamGroup([.. parameters])], lr, beta1, beta2, eps, weightDecay)
    {
    }

    public AdamW(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2)
    {
        ParamGroups = [.. groups];
        Lr = lr;
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
        _groupOf = [.. ParamGroups.SelectMany(g => g.Parameters.Select(_ => g))];
        _parameters = [.. ParamGroups.SelectMany(g => g.Parameters)];
        if (_parameters.Distinct(ReferenceEqualityComparer.Instance).Count() != _parameters.Length)
            throw new ArgumentException("a parameter appears in more than one place among the optimizer's groups", nameof(groups));
        foreach (var p in _parameters)
            if (p.DType != DType.F32 || !p.IsLeaf)
                throw new ArgumentException($"AdamW updates F32 leaf tensors; got a {p.DType} {(p.IsLeaf ? "leaf" : "non-leaf")} of shape {ShapeUtil.Format(p.Dims)}", nameof(groups));
        _state = new State?[_parameters.Length];
    }

    /// <summary>The base learning rate; each group uses Lr · its LrScale. Schedules set it every step.</summary>
    public double Lr { get; set; }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Eps { get; }

    /// <summary>Weight decay of groups that do not set their own.</summary>
    public double WeightDecay { get; }

    public IReadOnlyList<ParamGroup> ParamGroups { get; }

    /// <summary>
    /// Updates every parameter that has a gradient (the others are skipped, their step unchanged). Gradients are
    /// multiplied by <paramref name="gradScale"/> first: pass the scale from <see cref="GradClip.ClipGradNorm"/>.
    /// </summary>
    public void Step(float gradScale = 1f)
    {
        for (var i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            if (p.Grad is not { } grad) continue;
            if (!grad.Dims.AsSpan().SequenceEqual(p.Dims) || grad.DType != DType.F32 || grad.Device != p.Device)
                throw new InvalidOperationException($"the gradient of a parameter {ShapeUtil.Format(p.Dims)} on {p.Device} is {ShapeUtil.Format(grad.Dims)} {grad.DType} on {grad.Device}");
            var state = _state[i] ??= new State(p);
            state.Step++;
            var group = _groupOf[i];
            var args = new AdamWStepArgs(Lr * group.LrScale, Beta1, Beta2, Eps, group.WeightDecay ?? WeightDecay, state.Step, gradScale);
            p.Backend.AdamWStep(p, grad, state.ExpAvg, state.ExpAvgSq, args);
        }
    }

    /// <summary>Disposes and forgets every parameter's gradient (zero_grad(set_to_none=True)).</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters) p.ZeroGrad();
    }

    /// <summary>
    /// A snapshot of the state for checkpoints, keyed as PyTorch numbers it (parameters counted across groups in
    /// order): "state.{i}.step" (I64 scalar), "state.{i}.exp_avg", "state.{i}.exp_avg_sq"; parameters never
    /// updated have no entries. The tensors are copies that the caller owns.
    /// </summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var i = 0; i < _state.Length; i++)
        {
            if (_state[i] is not { } s) continue;
            result.Add(Key(i, "step"), Tensor.FromSpan<long>([s.Step], [], DType.I64));
            result.Add(Key(i, "exp_avg"), s.ExpAvg.Clone());
            result.Add(Key(i, "exp_avg_sq"), s.ExpAvgSq.Clone());
        }
        return result;
    }

    /// <summary>
    /// Restores a <see cref="StateDict"/> (values are copied; the tensors stay the caller's). Every key is checked
    /// first; parameters without entries start afresh.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        var problems = new List<string>();
        var present = new bool[_parameters.Length];
        foreach (var (key, value) in stateDict)
        {
            var problem = CheckEntry(key, value, out var index);
            if (problem is not null) problems.Add(problem);
            else present[index] = true;
        }
        for (var i = 0; i < present.Length; i++)
        {
            if (!present[i]) continue;
            foreach (var name in (string[])["step", "exp_avg", "exp_avg_sq"])
                if (!stateDict.ContainsKey(Key(i, name)))
                    problems.Add($"{Key(i, name)} is missing while other state of parameter {i} is present");
        }
        if (problems.Count > 0)
            throw new ArgumentException("cannot load optimizer state:\n  " + string.Join("\n  ", problems), nameof(stateDict));

        for (var i = 0; i < _parameters.Length; i++)
        {
            if (!present[i])
            {
                _state[i]?.Dispose();
                _state[i] = null;
                continue;
            }
            var state = _state[i] ??= new State(_parameters[i]);
            state.Step = checked((int)stateDict[Key(i, "step")].ToArray<long>()[0]);
            state.ExpAvg.CopyFrom(stateDict[Key(i, "exp_avg")]);
            state.ExpAvgSq.CopyFrom(stateDict[Key(i, "exp_avg_sq")]);
        }
    }

    public void Dispose()
    {
        foreach (var s in _state) s?.Dispose();
        Array.Clear(_state);
    }

    private string? CheckEntry(string key, Tensor value, out int index)
    {
        index = -1;
        var parts = key.Split('.');
        if (parts.Length != 3 || parts[0] != "state" || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out index))
            return $"unexpected key \"{key}\"";
        if (index >= _parameters.Length)
            return $"\"{key}\" names parameter {index}, but the optimizer has {_parameters.Length}";
        var p = _parameters[index];
        return parts[2] switch
        {
            "step" when value.NumEl != 1 || value.DType != DType.I64 => $"\"{key}\" should be one I64, got {ShapeUtil.Format(value.Dims)} {value.DType}",
            "step" => null,
            "exp_avg" or "exp_avg_sq" when !value.Dims.AsSpan().SequenceEqual(p.Dims) || !value.DType.IsFloatingPoint() =>
                $"\"{key}\" is {ShapeUtil.Format(value.Dims)} {value.DType}, parameter {index} is {ShapeUtil.Format(p.Dims)}",
            "exp_avg" or "exp_avg_sq" => null,
            _ => $"unexpected key \"{key}\"",
        };
    }

    private static string Key(int index, string name) => string.Create(CultureInfo.InvariantCulture, $"state.{index}.{name}");

    private sealed class State : IDisposable
    {
        public State(Tensor parameter)
        {
            ExpAvg = Tensor.Zeros(parameter.Dims, DType.F32, parameter.Device);
            ExpAvgSq = Tensor.Zeros(parameter.Dims, DType.F32, parameter.Device);
            TensorScope.Untrack(ExpAvg);
            TensorScope.Untrack(ExpAvgSq);
        }

        public int Step { get; set; }

        public Tensor ExpAvg { get; }

        public Tensor ExpAvgSq { get; }

        public void Dispose()
        {
            ExpAvg.Dispose();
            ExpAvgSq.Dispose();
        }
    }
}
