namespace ClipEngine.Nn;

/// <summary>Modules applied one after another (torch.nn.Sequential); children are named "0", "1", ….</summary>
public sealed class Sequential(params IEnumerable<Module> modules) : ModuleList<Module>(modules)
{
    /// <summary>Each module's output feeds the next; intermediates are left to the enclosing <see cref="TensorScope"/>, since backward may need them.</summary>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        foreach (var module in this) x = module.Forward(x);
        return x;
    }
}
