using ClipEngine.Nn;

namespace ClipEngine.Tests.Nn;

/// <summary>y = x·weight + bias per feature, with a persistent and a non-persistent buffer: a layer made of element-wise ops only.</summary>
internal sealed class Affine : Module
{
    public Affine(int features, Generator generator)
    {
        RegisterParameter("weight", Tensor.Randn([features], generator));
        RegisterParameter("bias", Tensor.Randn([features], generator));
        RegisterBuffer("running_mean", Tensor.Randn([features], generator));
        RegisterBuffer("scratch", Tensor.Zeros([features]), persistent: false);
    }

    public Tensor Weight => Parameter("weight");

    public Tensor Bias => Parameter("bias");

    public Tensor RunningMean => Buffer("running_mean");

    public override Tensor Forward(Tensor input) => input * Weight + Bias;
}

/// <summary>A small tree: own parameter and buffer, a Sequential of two layers, and a head.</summary>
internal sealed class Tree : Module
{
    public Tree(int seed = 1)
    {
        var generator = new Generator((ulong)seed);
        RegisterParameter("logit_scale", Tensor.Scalar(2.5f));
        RegisterBuffer("step", Tensor.FromSpan<long>([7L], [], DType.I64));
        Encoder = RegisterModule("encoder", new Sequential(new Affine(3, generator), new Affine(5, generator)));
        Head = RegisterModule("head", new Affine(2, generator));
    }

    public Sequential Encoder { get; }

    public Affine Head { get; }

    public static readonly string[] StateKeys =
    [
        "logit_scale", "step",
        "encoder.0.weight", "encoder.0.bias", "encoder.0.running_mean",
        "encoder.1.weight", "encoder.1.bias", "encoder.1.running_mean",
        "head.weight", "head.bias", "head.running_mean",
    ];
}
