namespace ClipEngine.Nn;

/// <summary>
/// PyTorch's default initialisations (torch.nn.init and the layers' reset_parameters), drawn from a
/// <see cref="Generator"/> so that a seed fixes every weight. Each returns a new F32 tensor.
/// </summary>
public static class Init
{
    /// <summary>Fan-in as torch.nn.init computes it: dimension 1 times the receptive field (the product of the dimensions after it).</summary>
    public static int FanIn(int[] shape) => ReceptiveField(shape) * shape[1];

    /// <summary>Fan-out as torch.nn.init computes it: dimension 0 times the receptive field.</summary>
    public static int FanOut(int[] shape) => ReceptiveField(shape) * shape[0];

    /// <summary>U(−bound, bound).</summary>
    public static Tensor Uniform(int[] shape, float bound, Generator generator, Device? device = null) =>
        Tensor.Rand(shape, generator, -bound, bound, device);

    public static Tensor Normal(int[] shape, Generator generator, float mean = 0f, float std = 1f, Device? device = null) =>
        Tensor.Randn(shape, generator, mean, std, device);

    /// <summary>
    /// kaiming_uniform_ with leaky-ReLU slope <paramref name="a"/> in fan-in mode: U(±gain·√(3/fan_in)) with
    /// gain = √(2/(1+a²)). nn.Linear and nn.Conv2d use a = √5, which makes the bound exactly 1/√fan_in.
    /// </summary>
    public static Tensor KaimingUniform(int[] shape, Generator generator, double a = 0, Device? device = null)
    {
        var gain = Math.Sqrt(2 / (1 + a * a));
        return Uniform(shape, (float)(gain * Math.Sqrt(3.0 / FanIn(shape))), generator, device);
    }

    /// <summary>xavier_uniform_ (Glorot &amp; Bengio, 2010): U(±gain·√(6/(fan_in + fan_out))).</summary>
    public static Tensor XavierUniform(int[] shape, Generator generator, double gain = 1, Device? device = null) =>
        Uniform(shape, (float)(gain * Math.Sqrt(6.0 / (FanIn(shape) + FanOut(shape)))), generator, device);

    /// <summary>nn.Linear's weight [out, in]: kaiming-uniform with a = √5, i.e. U(±1/√in).</summary>
    public static Tensor LinearWeight(int outFeatures, int inFeatures, Generator generator, Device? device = null) =>
        KaimingUniform([outFeatures, inFeatures], generator, Math.Sqrt(5), device);

    /// <summary>nn.Linear's bias [out]: U(±1/√fan_in), or zeros when the fan-in is 0.</summary>
    public static Tensor LinearBias(int outFeatures, int fanIn, Generator generator, Device? device = null) =>
        Uniform([outFeatures], fanIn > 0 ? (float)(1 / Math.Sqrt(fanIn)) : 0f, generator, device);

    private static int ReceptiveField(int[] shape)
    {
        if (shape.Length < 2)
            throw new ArgumentException($"fan-in and fan-out need at least 2 dimensions, got {ShapeUtil.Format(shape)}", nameof(shape));
        return ShapeUtil.Product(shape, 2, shape.Length);
    }
}
