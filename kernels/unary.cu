// Unary ops y = f(x) and their backward gx = gy · f'(x), op numbered as the engine's UnaryOp: neg, exp, log,
// sqrt, rsqrt, sigmoid, tanh, relu, gelu (exact erf), gelu_tanh (PyTorch's approximate='tanh'), quick_gelu
// (x·σ(1.702x), OpenAI CLIP). The formulas are the Cpu backend's (CpuBackend.Elementwise, ScalarMath); the backward
// uses the forward's output y where that is cheaper (exp, sqrt, rsqrt, sigmoid, tanh). Every tensor of a call is one
// element type, F32 or BF16: the math runs in float and each BF16 result is rounded once. Grid-stride loops, one
// element per thread per step, so a warp's accesses are contiguous; y may be x, gx may be any input.
#include "common.cuh"

#define INV_SQRT_2PI 0.3989422804014327f
#define SQRT_2_OVER_PI 0.7978845608028654f
#define GELU_TANH_CUBIC 0.044715f
#define QUICK_GELU_SCALE 1.702f

__device__ __forceinline__ float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

template <int Op>
__device__ __forceinline__ float forward(float x)
{
    switch (Op)
    {
        case 0: return -x;
        case 1: return expf(x);
        case 2: return logf(x);
        case 3: return sqrtf(x);
        case 4: return rsqrtf(x);
        case 5: return sigmoid(x);
        case 6: return tanhf(x);
        case 7: return x > 0.0f || x != x ? x : 0.0f;  // a NaN passes through, as torch.relu does
        // Φ(x) through erfc keeps its accuracy in the left tail, where 1 + erf(x/√2) would cancel.
        case 8: return x * normcdff(x);
        case 9: return 0.5f * x * (1.0f + tanhf(SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x * x * x)));
        default: return x * sigmoid(QUICK_GELU_SCALE * x);
    }
}

// f'(x), given x and y = f(x).
template <int Op>
__device__ __forceinline__ float derivative(float x, float y)
{
    switch (Op)
    {
        case 0: return -1.0f;
        case 1: return y;
        case 2: return 1.0f / x;
        case 3: return 0.5f / y;
        case 4: return -0.5f * y * y * y;
        case 5: return y * (1.0f - y);
        case 6: return 1.0f - y * y;
        case 7: return x > 0.0f ? 1.0f : 0.0f;
        case 8: return normcdff(x) + x * INV_SQRT_2PI * expf(-0.5f * x * x);  // Φ(x) + x·φ(x)
        case 9:
        {
            const float t = tanhf(SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x * x * x));
            return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * SQRT_2_OVER_PI * (1.0f + 3.0f * GELU_TANH_CUBIC * x * x);
        }
        default:
        {
            const float s = sigmoid(QUICK_GELU_SCALE * x);
            return s + QUICK_GELU_SCALE * x * s * (1.0f - s);
        }
    }
}

template <int Op, class T>
__device__ __forceinline__ void unary_loop(const typename T::Storage* x, typename T::Storage* y, long long n)
{
    for (long long i = grid_thread_index(); i < n; i += grid_thread_count()) y[i] = T::store(forward<Op>(T::load(x[i])));
}

// With BF16 tensors the derivatives that use y see the rounded forward output, as PyTorch's BF16 backward kernels do.
template <int Op, class T>
__device__ __forceinline__ void unary_backward_loop(const typename T::Storage* x, const typename T::Storage* y,
                                                    const typename T::Storage* gy, typename T::Storage* gx, long long n)
{
    for (long long i = grid_thread_index(); i < n; i += grid_thread_count())
        gx[i] = T::store(T::load(gy[i]) * derivative<Op>(T::load(x[i]), T::load(y[i])));
}

// The op is uniform across the launch, so the switch costs one branch per thread, not per element.
#define UNARY_DISPATCH(op, call)           \
    switch (op)                            \
    {                                      \
        case 0: call(0); break;            \
        case 1: call(1); break;            \
        case 2: call(2); break;            \
        case 3: call(3); break;            \
        case 4: call(4); break;            \
        case 5: call(5); break;            \
        case 6: call(6); break;            \
        case 7: call(7); break;            \
        case 8: call(8); break;            \
        case 9: call(9); break;            \
        default: call(10); break;          \
    }

template <class T>
__device__ __forceinline__ void unary(int op, const typename T::Storage* x, typename T::Storage* y, long long n)
{
#define CALL(k) unary_loop<k, T>(x, y, n)
    UNARY_DISPATCH(op, CALL)
#undef CALL
}

template <class T>
__device__ __forceinline__ void unary_backward(int op, const typename T::Storage* x, const typename T::Storage* y,
                                               const typename T::Storage* gy, typename T::Storage* gx, long long n)
{
#define CALL(k) unary_backward_loop<k, T>(x, y, gy, gx, n)
    UNARY_DISPATCH(op, CALL)
#undef CALL
}

extern "C" __global__ void unary_f32(int op, const float* x, float* y, long long n) { unary<F32>(op, x, y, n); }

extern "C" __global__ void unary_bf16(int op, const unsigned short* x, unsigned short* y, long long n) { unary<BF16>(op, x, y, n); }

extern "C" __global__ void unary_backward_f32(int op, const float* x, const float* y, const float* gy, float* gx, long long n)
{
    unary_backward<F32>(op, x, y, gy, gx, n);
}

extern "C" __global__ void unary_backward_bf16(int op, const unsigned short* x, const unsigned short* y, const unsigned short* gy,
                                               unsigned short* gx, long long n)
{
    unary_backward<BF16>(op, x, y, gy, gx, n);
}
