namespace ClipEngine;

// Operators and the autograd entry point, so model code reads like PyTorch.
public sealed partial class Tensor
{
    public static Tensor operator +(Tensor a, Tensor b) => Ops.Add(a, b);

    public static Tensor operator -(Tensor a, Tensor b) => Ops.Sub(a, b);

    public static Tensor operator *(Tensor a, Tensor b) => Ops.Mul(a, b);

    public static Tensor operator /(Tensor a, Tensor b) => Ops.Div(a, b);

    public static Tensor operator -(Tensor x) => Ops.Neg(x);

    public static Tensor operator +(Tensor x, float s) => Ops.Add(x, s);

    public static Tensor operator +(float s, Tensor x) => Ops.Add(x, s);

    public static Tensor operator -(Tensor x, float s) => Ops.Add(x, -s);

    public static Tensor operator -(float s, Tensor x) => Ops.RSub(s, x);

    public static Tensor operator *(Tensor x, float s) => Ops.Mul(x, s);

    public static Tensor operator *(float s, Tensor x) => Ops.Mul(x, s);

    public static Tensor operator /(Tensor x, float s) => Ops.Mul(x, 1f / s);

    public static Tensor operator /(float s, Tensor x) => Ops.RDiv(s, x);

    /// <summary>
    /// Computes gradients of this tensor with respect to every leaf that requires grad. A scalar needs no
    /// <paramref name="gradient"/>; a non-scalar needs one of its own shape (the vector in the vector–Jacobian product).
    /// </summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false) => Autograd.Backward(this, gradient, retainGraph);
}
