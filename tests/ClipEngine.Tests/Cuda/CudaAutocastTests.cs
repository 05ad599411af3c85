namespace ClipEngine.Tests.Cuda;

using static CudaTestDevice;
using Ops = ClipEngine.Ops;

/// <summary>
/// bf16 autocast of MatMul and Linear. On cuda:0 a product under autocast is a BF16 tensor holding the fp32-accumulated
/// product of the bf16-rounded operands, rounded once: against a float64 product of those operands it agrees to fp32
/// accumulation error (1e-5 of Σ|a·b|) plus the output's rounding (2⁻⁸ of the value), and against the exact product
/// it differs by at most the rounding of both operands and of the result (3·2⁻⁸ + 2⁻¹⁵ of Σ|a·b|).
/// On the Cpu backend autocast changes nothing.
/// </summary>
[Collection(CudaTestDevice.Collection)]
public class CudaAutocastTests
{
    private const double AccumulationTolerance = 1e-5;
    private const double Bf16Rounding = 1.0 / 256;
    private const double Bf16ProductBound = 3.0 / 256 + 1.0 / 32768;

    [Fact]
    public void ScopesNestRestoreAndStayOnTheirThread()
    {
        Assert.False(Autocast.IsEnabled);
        using (Autocast.Enable(DType.BF16))
        {
            Assert.True(Autocast.IsEnabled);
            Assert.Equal(DType.BF16, Autocast.Dtype);
            using (Autocast.Enable(DType.F32))
            {
                Assert.False(Autocast.IsEnabled);
                Assert.Equal(DType.F32, Autocast.Dtype);
            }
            Assert.True(Autocast.IsEnabled);
            var elsewhere = true;
            var thread = new Thread(() => elsewhere = Autocast.IsEnabled);
            thread.Start();
            thread.Join();
            Assert.False(elsewhere);
        }
        Assert.False(Autocast.IsEnabled);
        Assert.Throws<ArgumentException>(() => Autocast.Enable(DType.F16));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void MatMulTakesBf16RoundedInputsWithFp32Accumulation(bool transA, bool transB)
    {
        const int batch = 2, m = 5, k = 33, n = 7;
        var a = Normal(batch * m * k, 11);
        var b = Normal(k * n, 12);
        using var scope = TensorScope.Begin();
        var da = ToDevice(Tensor.FromArray(a, transA ? [batch, k, m] : [batch, m, k]));
        var db = ToDevice(Tensor.FromArray(b, transB ? [n, k] : [k, n]));
        Tensor product;
        using (Autocast.Enable(DType.BF16))
            product = Ops.MatMul(da, db, transA, transB);
        Assert.Equal(DType.BF16, product.DType);
        var actual = product.ToArray();

        double At(float[] x, int i, int j, bool stored, int rows, int cols, int mat) =>
            x[mat * rows * cols + (stored ? j * rows + i : i * cols + j)];
        var (ra, rb) = (RoundToBf16(a), RoundToBf16(b));
        var (rounded, exact, magnitude) = (new double[actual.Length], new double[actual.Length], new double[actual.Length]);
        for (var p = 0; p < batch; p++)
        for (var i = 0; i < m; i++)
        for (var j = 0; j < n; j++)
        {
            var o = (p * m + i) * n + j;
            for (var l = 0; l < k; l++)
            {
                double x = At(a, i, l, transA, m, k, p), y = At(b, l, j, transB, k, n, 0);
                rounded[o] += At(ra, i, l, transA, m, k, p) * At(rb, l, j, transB, k, n, 0);
                exact[o] += x * y;
                magnitude[o] += Math.Abs(x * y);
            }
        }
        AssertProduct(actual, rounded, exact, magnitude);
    }

    [Fact]
    public void LinearForwardAndGradientsStayWithinBf16Bounds()
    {
        const int rows = 6, inFeatures = 40, outFeatures = 9;
        var x = Normal(rows * inFeatures, 21);
        var w = Normal(outFeatures * inFeatures, 22);
        var bias = Normal(outFeatures, 23);
        var upstream = Normal(rows * outFeatures, 24);

        var (y16, grads16) = LinearRun(Device, DType.BF16, x, w, bias, upstream, backwardInScope: true);
        var (y32, grads32) = LinearRun(Device, DType.F32, x, w, bias, upstream, backwardInScope: true);

        var (rx, rw) = (RoundToBf16(x), RoundToBf16(w));
        var (rounded, exact, magnitude) = (new double[y16.Length], new double[y16.Length], new double[y16.Length]);
        for (var r = 0; r < rows; r++)
        for (var o = 0; o < outFeatures; o++)
        {
            var e = r * outFeatures + o;
            (rounded[e], exact[e], magnitude[e]) = (bias[o], bias[o], Math.Abs(bias[o]));
            for (var i = 0; i < inFeatures; i++)
            {
                rounded[e] += (double)rx[r * inFeatures + i] * rw[o * inFeatures + i];
                exact[e] += (double)x[r * inFeatures + i] * w[o * inFeatures + i];
                magnitude[e] += Math.Abs((double)x[r * inFeatures + i] * w[o * inFeatures + i]);
            }
        }
        AssertProduct(y16, rounded, exact, magnitude);

        // The input and weight gradients are bf16 GEMMs too: about 1e-2 relative in norm, and not exact.
        for (var g = 0; g < 2; g++)
        {
            var error = RelativeError(grads16[g], grads32[g]);
            Assert.InRange(error, 1e-6, 1e-2);
        }
        // The bias gradient sums the upstream gradient as it reaches the BF16 output: rounded to BF16, summed in fp32.
        var roundedUpstream = RoundToBf16(upstream);
        for (var o = 0; o < outFeatures; o++)
        {
            double sum = 0, scale = 0;
            for (var r = 0; r < rows; r++) (sum, scale) = (sum + roundedUpstream[r * outFeatures + o], scale + Math.Abs(roundedUpstream[r * outFeatures + o]));
            Assert.True(Math.Abs(grads16[2][o] - sum) <= 1e-6 * scale, $"bias gradient {o}: {grads16[2][o]} vs {sum}");
        }

        // The backward follows the precision of its forward, wherever Backward is called.
        var (_, outside) = LinearRun(Device, DType.BF16, x, w, bias, upstream, backwardInScope: false);
        for (var g = 0; g < 3; g++) Assert.Equal(grads16[g], outside[g]);
    }

    /// <summary>
    /// A pre-norm residual block (LN, attention, LN, MLP with GELU) under autocast on cuda:0 stores its activations
    /// where torch.autocast does: projections, attention and the GELU in BF16; layer norms and the residual stream in
    /// F32. Its output and every parameter gradient stay within bf16 accuracy of the Cpu's fp32 run (2e-2 relative in
    /// norm) and differ from it by more than fp32 noise (1e-4), so the bf16 path did run.
    /// </summary>
    [Fact]
    public void AResidualBlockKeepsBf16ActivationsWhereTorchAutocastDoes()
    {
        const int batch = 2, length = 7, width = 32, heads = 2;
        var input = Normal(batch * length * width, 41);
        var upstream = Normal(batch * length * width, 42);
        var (cpuOut, cpuGrads, _) = BlockRun(Device.Cpu, input, upstream);
        var (cudaOut, cudaGrads, dtypes) = BlockRun(Device, input, upstream);

        Assert.Equal(
            ["ln_1 F32", "qkv BF16", "attention BF16", "out_proj BF16", "residual F32", "ln_2 F32", "c_fc BF16", "gelu BF16", "c_proj BF16", "output F32"],
            dtypes);
        var outError = RelativeError(cudaOut, cpuOut);
        Assert.InRange(outError, 1e-4, 2e-2);
        Assert.Equal(cpuGrads.Length, cudaGrads.Length);
        for (var i = 0; i < cpuGrads.Length; i++) Assert.InRange(RelativeError(cudaGrads[i], cpuGrads[i]), 1e-4, 2e-2);

        (float[] Output, float[][] Grads, string[] DTypes) BlockRun(Device device, float[] x, float[] up)
        {
            _ = Backend;
            using var scope = TensorScope.Begin();
            var generator = new Generator(7);
            using var ln1 = new ClipEngine.Nn.LayerNorm(width, device: device);
            using var attention = new ClipEngine.Nn.MultiheadAttention(width, heads, generator, device: device);
            using var ln2 = new ClipEngine.Nn.LayerNorm(width, device: device);
            using var fc = new ClipEngine.Nn.Linear(width, 4 * width, generator, device: device);
            using var proj = new ClipEngine.Nn.Linear(4 * width, width, generator, device: device);
            var dtypes = new List<string>();
            Tensor Note(string name, Tensor t)
            {
                dtypes.Add($"{name} {t.DType}");
                return t;
            }
            var h = Tensor.FromArray(x, batch, length, width).To(device);
            Tensor output;
            using (Autocast.Enable(DType.BF16))
            {
                var n1 = Note("ln_1", ln1.Forward(h));
                var qkv = Note("qkv", Ops.Linear(n1, attention.InProjWeight, attention.InProjBias));
                var split = Ops.Permute(qkv.Reshape(batch, length, 3, heads, width / heads), 2, 0, 3, 1, 4);
                var (q, k, v) = (Ops.Slice(split, 0, 0, 1), Ops.Slice(split, 0, 1, 1), Ops.Slice(split, 0, 2, 1));
                int[] headShape = [batch, heads, length, width / heads];
                var attended = Note("attention", Ops.ScaledDotProductAttention(q.Reshape(headShape), k.Reshape(headShape), v.Reshape(headShape)));
                var merged = Ops.Permute(attended, 0, 2, 1, 3).Reshape(batch, length, width);
                var residual = Note("residual", h + Note("out_proj", attention.OutProj.Forward(merged)));
                var n2 = Note("ln_2", ln2.Forward(residual));
                var hidden = Note("gelu", Ops.Gelu(Note("c_fc", fc.Forward(n2))));
                output = Note("output", residual + Note("c_proj", proj.Forward(hidden)));
                Ops.Sum(Ops.Mul(output, Tensor.FromArray(up, batch, length, width).To(device))).Backward();
            }
            Tensor[] parameters = [.. new ClipEngine.Nn.Module[] { ln1, attention, ln2, fc, proj }.SelectMany(m => m.Parameters())];
            Assert.All(parameters, p => Assert.Equal(DType.F32, p.Grad!.DType));
            return (output.ToArray<float>(), [.. parameters.Select(p => p.Grad!.ToArray<float>())], [.. dtypes]);
        }
    }

    [Fact]
    public void AutocastIsANoOpOnTheCpuBackend()
    {
        var x = Normal(4 * 24, 31);
        var w = Normal(5 * 24, 32);
        var bias = Normal(5, 33);
        var upstream = Normal(4 * 5, 34);
        var (y16, grads16) = LinearRun(Device.Cpu, DType.BF16, x, w, bias, upstream, backwardInScope: true);
        var (y32, grads32) = LinearRun(Device.Cpu, DType.F32, x, w, bias, upstream, backwardInScope: true);
        Assert.Equal(y32, y16);
        for (var g = 0; g < 3; g++) Assert.Equal(grads32[g], grads16[g]);

        using var scope = TensorScope.Begin();
        var a = Tensor.FromArray(x, 2, 2, 24);
        var b = Tensor.FromArray(w, 24, 5);
        var plain = Ops.MatMul(a, b).ToArray<float>();
        using (Autocast.Enable(DType.BF16))
            Assert.Equal(plain, Ops.MatMul(a, b).ToArray<float>());
    }

    [Fact]
    public void CpuGemmRefusesBf16Inputs()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.Zeros([4], DType.BF16);
        var b = Tensor.Zeros([4], DType.BF16);
        var c = Tensor.Zeros([4]);
        var backend = ClipEngine.Backends.BackendRegistry.For(Device.Cpu);
        Assert.False(backend.SupportsBf16);
        Assert.True(Backend.SupportsBf16);
        var e = Assert.Throws<NotSupportedException>(() => backend.Gemm(new(false, false, 2, 2, 2, 2, 2, 2), 1f, a, b, 0f, c));
        Assert.Contains("no BF16 GEMM", e.Message);
    }

    /// <summary>y = Linear(x, w, bias) under Autocast.Enable(dtype) on device, and the gradients of Σ y·upstream for x, w, bias.</summary>
    private static (float[] Y, float[][] Grads) LinearRun(Device device, DType dtype, float[] x, float[] w, float[] bias, float[] upstream, bool backwardInScope)
    {
        _ = Backend;
        using var scope = TensorScope.Begin();
        var outFeatures = bias.Length;
        var rows = upstream.Length / outFeatures;
        var tx = Tensor.FromArray(x, rows, x.Length / rows).To(device);
        var tw = Tensor.FromArray(w, outFeatures, w.Length / outFeatures).To(device);
        var tb = Tensor.FromArray(bias, outFeatures).To(device);
        foreach (var t in new[] { tx, tw, tb }) t.RequiresGrad = true;
        Tensor y, loss;
        using (Autocast.Enable(dtype))
        {
            y = Ops.Linear(tx, tw, tb);
            loss = Ops.Sum(Ops.Mul(y, Tensor.FromArray(upstream, rows, outFeatures).To(device)));
            if (backwardInScope) loss.Backward();
        }
        if (!backwardInScope) loss.Backward();
        Assert.Equal(dtype == DType.BF16 && device != Device.Cpu ? DType.BF16 : DType.F32, y.DType);
        // The parameters are F32 and so are their gradients, whatever the forward computed in.
        return (y.ToArray(), [.. new[] { tx, tw, tb }.Select(t => t.Grad!.ToArray<float>())]);
    }

    private static void AssertProduct(float[] actual, double[] rounded, double[] exact, double[] magnitude)
    {
        var differs = false;
        for (var i = 0; i < actual.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - rounded[i]) <= AccumulationTolerance * magnitude[i] * (1 + Bf16Rounding) + Bf16Rounding * Math.Abs(rounded[i]),
                $"element {i}: {actual[i]} vs {rounded[i]} from the bf16-rounded inputs");
            Assert.True(Math.Abs(actual[i] - exact[i]) <= Bf16ProductBound * magnitude[i],
                $"element {i}: {actual[i]} vs {exact[i]} exactly, past the bf16 rounding bound");
            differs |= Math.Abs(actual[i] - exact[i]) > AccumulationTolerance * magnitude[i] + Bf16Rounding * Math.Abs(exact[i]);
        }
        Assert.True(differs, "no element shows bf16 rounding: the GEMM ran in fp32");
    }

    private static float[] RoundToBf16(float[] values) => [.. values.Select(v => BFloat16Bits.ToFloat(BFloat16Bits.FromFloat(v)))];

    private static double RelativeError(float[] actual, float[] expected)
    {
        double difference = 0, norm = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            difference += Math.Pow(actual[i] - (double)expected[i], 2);
            norm += (double)expected[i] * expected[i];
        }
        return Math.Sqrt(difference / norm);
    }
}
