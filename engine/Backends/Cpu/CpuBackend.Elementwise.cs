using System.Numerics.Tensors;

namespace ClipEngine.Backends.Cpu;

// Element-wise ops. Same-shape work goes to TensorPrimitives (SIMD), or for the GELU family to the vector kernels of
// CpuBackend.Activations, in chunks spread over the cores; broadcasting is reduced to those same contiguous kernels by
// coalescing dimensions (see BroadcastLoop).
public sealed unsafe partial class CpuBackend
{
    /// <summary>Elements per parallel chunk: large enough for SIMD loops to amortise the call, small enough to balance.</summary>
    private const int Chunk = 16_384;

    private static void Chunked(long n, Action<long, int> body) =>
        CpuParallel.For((n + Chunk - 1) / Chunk, Chunk, (start, end) =>
        {
            for (var c = start; c < end; c++)
            {
                var offset = c * Chunk;
                body(offset, (int)Math.Min(Chunk, n - offset));
            }
        });

    public void Unary(UnaryOp op, Tensor x, Tensor y)
    {
        using var profile = CpuProfiler.Time(nameof(Unary), op);
        float* px = Ptr(x), py = Ptr(y);
        Chunked(x.NumEl, (offset, len) =>
        {
            var src = new ReadOnlySpan<float>(px + offset, len);
            var dst = new Span<float>(py + offset, len);
            switch (op)
            {
                case UnaryOp.Neg: TensorPrimitives.Negate(src, dst); break;
                case UnaryOp.Exp: TensorPrimitives.Exp(src, dst); break;
                case UnaryOp.Log: TensorPrimitives.Log(src, dst); break;
                case UnaryOp.Sqrt: TensorPrimitives.Sqrt(src, dst); break;
                case UnaryOp.Rsqrt: TensorPrimitives.ReciprocalSqrt(src, dst); break;
                case UnaryOp.Sigmoid: TensorPrimitives.Sigmoid(src, dst); break;
                case UnaryOp.Tanh: TensorPrimitives.Tanh(src, dst); break;
                case UnaryOp.Relu: TensorPrimitives.Max(src, 0f, dst); break;
                case UnaryOp.Gelu: Activate<GeluExact>(px + offset, py + offset, len); break;
                case UnaryOp.GeluTanh: Activate<GeluTanh>(px + offset, py + offset, len); break;
                case UnaryOp.QuickGelu: Activate<QuickGelu>(px + offset, py + offset, len); break;
                default: throw new NotSupportedException($"unary op {op}");
            }
        });
    }

    public void UnaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor gy, Tensor gx)
    {
        using var profile = CpuProfiler.Time(nameof(UnaryBackward), op);
        float* px = Ptr(x), py = Ptr(y), pg = Ptr(gy), pgx = Ptr(gx);
        Chunked(x.NumEl, (offset, len) =>
        {
            switch (op)
            {
                case UnaryOp.Gelu: ActivateBackward<GeluExact>(px + offset, pg + offset, pgx + offset, len); return;
                case UnaryOp.GeluTanh: ActivateBackward<GeluTanh>(px + offset, pg + offset, pgx + offset, len); return;
                case UnaryOp.QuickGelu: ActivateBackward<QuickGelu>(px + offset, pg + offset, pgx + offset, len); return;
            }
            var xs = new ReadOnlySpan<float>(px + offset, len);
            var ys = new ReadOnlySpan<float>(py + offset, len);
            var g = new ReadOnlySpan<float>(pg + offset, len);
            var d = new Span<float>(pgx + offset, len);
            for (var i = 0; i < len; i++)
            {
                float xi = xs[i], yi = ys[i];
                d[i] = g[i] * op switch
                {
                    UnaryOp.Neg => -1f,
                    UnaryOp.Exp => yi,
                    UnaryOp.Log => 1f / xi,
                    UnaryOp.Sqrt => 0.5f / yi,
                    UnaryOp.Rsqrt => -0.5f * yi * yi * yi,
                    UnaryOp.Sigmoid => yi * (1f - yi),
                    UnaryOp.Tanh => 1f - yi * yi,
                    UnaryOp.Relu => xi > 0f ? 1f : 0f,
                    _ => throw new NotSupportedException($"unary op {op}"),
                };
            }
        });
    }

    public void Scalar(ScalarOp op, Tensor x, float s, Tensor y)
    {
        using var profile = CpuProfiler.Time(nameof(Scalar), op);
        float* px = Ptr(x), py = Ptr(y);
        Chunked(x.NumEl, (offset, len) =>
        {
            var src = new ReadOnlySpan<float>(px + offset, len);
            var dst = new Span<float>(py + offset, len);
            switch (op)
            {
                case ScalarOp.Add: TensorPrimitives.Add(src, s, dst); break;
                case ScalarOp.Mul: TensorPrimitives.Multiply(src, s, dst); break;
                case ScalarOp.Pow: TensorPrimitives.Pow(src, s, dst); break;
                case ScalarOp.RSub: TensorPrimitives.Subtract(s, src, dst); break;
                case ScalarOp.RDiv: TensorPrimitives.Divide(s, src, dst); break;
                case ScalarOp.ClampMin: TensorPrimitives.Max(src, s, dst); break;
                case ScalarOp.ClampMax: TensorPrimitives.Min(src, s, dst); break;
                default: throw new NotSupportedException($"scalar op {op}");
            }
        });
    }

    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor c)
    {
        using var profile = CpuProfiler.Time(nameof(Binary), op);
        float* pa = Ptr(a), pb = Ptr(b), pc = Ptr(c);
        BroadcastLoop(a.Dims, b.Dims, c.Dims, (oa, sa, ob, sb, oc, len) =>
        {
            var dst = new Span<float>(pc + oc, len);
            // sa/sb are 1 (contiguous run) or 0 (one value broadcast along the run).
            if (sa == 1 && sb == 1)
            {
                var x = new ReadOnlySpan<float>(pa + oa, len);
                var y = new ReadOnlySpan<float>(pb + ob, len);
                switch (op)
                {
                    case BinaryOp.Add: TensorPrimitives.Add(x, y, dst); break;
                    case BinaryOp.Sub: TensorPrimitives.Subtract(x, y, dst); break;
                    case BinaryOp.Mul: TensorPrimitives.Multiply(x, y, dst); break;
                    case BinaryOp.Div: TensorPrimitives.Divide(x, y, dst); break;
                    case BinaryOp.Pow: TensorPrimitives.Pow(x, y, dst); break;
                }
            }
            else if (sb == 0)
            {
                var x = new ReadOnlySpan<float>(pa + oa, sa == 1 ? len : 1);
                var s = pb[ob];
                if (sa == 0)
                {
                    dst.Fill(Apply(op, x[0], s));
                    return;
                }
                switch (op)
                {
                    case BinaryOp.Add: TensorPrimitives.Add(x, s, dst); break;
                    case BinaryOp.Sub: TensorPrimitives.Subtract(x, s, dst); break;
                    case BinaryOp.Mul: TensorPrimitives.Multiply(x, s, dst); break;
                    case BinaryOp.Div: TensorPrimitives.Divide(x, s, dst); break;
                    case BinaryOp.Pow: TensorPrimitives.Pow(x, s, dst); break;
                }
            }
            else
            {
                var s = pa[oa];
                var y = new ReadOnlySpan<float>(pb + ob, len);
                switch (op)
                {
                    case BinaryOp.Add: TensorPrimitives.Add(y, s, dst); break;
                    case BinaryOp.Sub: TensorPrimitives.Subtract(s, y, dst); break;
                    case BinaryOp.Mul: TensorPrimitives.Multiply(y, s, dst); break;
                    case BinaryOp.Div: TensorPrimitives.Divide(s, y, dst); break;
                    case BinaryOp.Pow: TensorPrimitives.Pow(s, y, dst); break;
                }
            }
        });
    }

    private static float Apply(BinaryOp op, float x, float y) => op switch
    {
        BinaryOp.Add => x + y,
        BinaryOp.Sub => x - y,
        BinaryOp.Mul => x * y,
        BinaryOp.Div => x / y,
        BinaryOp.Pow => MathF.Pow(x, y),
        _ => throw new NotSupportedException($"binary op {op}"),
    };

    public void Broadcast(Tensor x, Tensor y)
    {
        using var profile = CpuProfiler.Time(nameof(Broadcast));
        float* px = Ptr(x), py = Ptr(y);
        BroadcastLoop(x.Dims, y.Dims, y.Dims, (ox, sx, _, _, oy, len) =>
        {
            var dst = new Span<float>(py + oy, len);
            if (sx == 1) new ReadOnlySpan<float>(px + ox, len).CopyTo(dst);
            else dst.Fill(px[ox]);
        });
    }

    /// <summary>Called for one contiguous run of the output: (a offset, a step, b offset, b step, out offset, length); steps are 0 or 1.</summary>
    private delegate void RunBody(long offsetA, int stepA, long offsetB, int stepB, long offsetOut, int length);

    /// <summary>
    /// Walks the output of a broadcasting op as runs along its last (coalesced) dimension. Adjacent dimensions
    /// merge when both inputs are laid out alike across them, so a bias add over [N, D] + [D] becomes N runs of
    /// D, and same-shape inputs become one run split into chunks for the cores.
    /// </summary>
    private static void BroadcastLoop(int[] shapeA, int[] shapeB, int[] shapeOut, RunBody body)
    {
        var rank = shapeOut.Length;
        var n = ShapeUtil.NumEl(shapeOut);
        if (n == 0) return;
        var sa = BroadcastStrides(shapeA, shapeOut);
        var sb = BroadcastStrides(shapeB, shapeOut);

        var dims = new List<long>();
        var stridesA = new List<long>();
        var stridesB = new List<long>();
        for (var i = 0; i < rank; i++)
        {
            if (shapeOut[i] == 1) continue;
            var last = dims.Count - 1;
            if (last >= 0 && stridesA[last] == sa[i] * shapeOut[i] && stridesB[last] == sb[i] * shapeOut[i])
            {
                dims[last] *= shapeOut[i];
                stridesA[last] = sa[i];
                stridesB[last] = sb[i];
            }
            else
            {
                dims.Add(shapeOut[i]);
                stridesA.Add(sa[i]);
                stridesB.Add(sb[i]);
            }
        }
        if (dims.Count == 0)
        {
            body(0, 1, 0, 1, 0, 1);
            return;
        }

        var inner = dims[^1];
        var innerA = (int)stridesA[^1];
        var innerB = (int)stridesB[^1];
        var outer = n / inner;
        var outerRank = dims.Count - 1;
        // Long runs are split so that a single huge same-shape op still uses every core.
        var pieces = Math.Max(1, inner / Chunk);
        var pieceLength = (inner + pieces - 1) / pieces;
        CpuParallel.For(outer * pieces, pieceLength, (start, end) =>
        {
            for (var item = start; item < end; item++)
            {
                var row = item / pieces;
                var piece = item % pieces;
                long offA = 0, offB = 0, rem = row;
                for (var d = outerRank - 1; d >= 0; d--)
                {
                    var idx = rem % dims[d];
                    rem /= dims[d];
                    offA += idx * stridesA[d];
                    offB += idx * stridesB[d];
                }
                var begin = piece * pieceLength;
                var length = (int)Math.Min(pieceLength, inner - begin);
                body(offA + begin * innerA, innerA, offB + begin * innerB, innerB, row * inner + begin, length);
            }
        });
    }

    /// <summary>Strides of a tensor of <paramref name="shape"/> seen through the broadcast <paramref name="target"/> shape (0 where it stretches).</summary>
    private static long[] BroadcastStrides(int[] shape, int[] target)
    {
        var own = ShapeUtil.Strides(shape);
        var result = new long[target.Length];
        var shift = target.Length - shape.Length;
        for (var i = 0; i < shape.Length; i++)
            result[i + shift] = shape[i] == 1 ? 0 : own[i];
        return result;
    }
}
