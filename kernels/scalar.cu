// Ops of a tensor and a float scalar, y = x ∘ s, op numbered as the engine's ScalarOp: add, mul, pow (x^s), rsub
// (s − x), rdiv (s / x), clamp_min (max(x, s)), clamp_max (min(x, s)). The clamps let a NaN through, as torch.clamp
// and the Cpu backend do (fmaxf/fminf would drop it). x and y are one element type, F32 or BF16: the math runs in float
// and each BF16 result is rounded once. Grid-stride loop, one element per thread per step; y may be x.
#include "common.cuh"

template <int Op>
__device__ __forceinline__ float apply(float x, float s)
{
    switch (Op)
    {
        case 0: return x + s;
        case 1: return x * s;
        case 2: return powf(x, s);
        case 3: return s - x;
        case 4: return s / x;
        case 5: return x != x || s != s ? x + s : fmaxf(x, s);
        default: return x != x || s != s ? x + s : fminf(x, s);
    }
}

template <int Op, class T>
__device__ __forceinline__ void scalar_loop(const typename T::Storage* x, float s, typename T::Storage* y, long long n)
{
    for (long long i = grid_thread_index(); i < n; i += grid_thread_count()) y[i] = T::store(apply<Op>(T::load(x[i]), s));
}

template <class T>
__device__ __forceinline__ void scalar(int op, const typename T::Storage* x, float s, typename T::Storage* y, long long n)
{
    switch (op)
    {
        case 0: scalar_loop<0, T>(x, s, y, n); break;
        case 1: scalar_loop<1, T>(x, s, y, n); break;
        case 2: scalar_loop<2, T>(x, s, y, n); break;
        case 3: scalar_loop<3, T>(x, s, y, n); break;
        case 4: scalar_loop<4, T>(x, s, y, n); break;
        case 5: scalar_loop<5, T>(x, s, y, n); break;
        default: scalar_loop<6, T>(x, s, y, n); break;
    }
}

extern "C" __global__ void scalar_f32(int op, const float* x, float s, float* y, long long n) { scalar<F32>(op, x, s, y, n); }

extern "C" __global__ void scalar_bf16(int op, const unsigned short* x, float s, unsigned short* y, long long n) { scalar<BF16>(op, x, s, y, n); }
