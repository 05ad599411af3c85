// f32 ops of a tensor and a scalar, y = x ∘ s, op numbered as the engine's ScalarOp: add, mul, pow (x^s), rsub
// (s − x), rdiv (s / x), clamp_min (max(x, s)), clamp_max (min(x, s)). The clamps let a NaN through, as torch.clamp
// and the Cpu backend do (fmaxf/fminf would drop it). Grid-stride loop, one element per thread per step; y may be x.
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

template <int Op>
__device__ __forceinline__ void scalar_loop(const float* x, float s, float* y, long long n)
{
    for (long long i = grid_thread_index(); i < n; i += grid_thread_count()) y[i] = apply<Op>(x[i], s);
}

extern "C" __global__ void scalar_f32(int op, const float* x, float s, float* y, long long n)
{
    switch (op)
    {
        case 0: scalar_loop<0>(x, s, y, n); break;
        case 1: scalar_loop<1>(x, s, y, n); break;
        case 2: scalar_loop<2>(x, s, y, n); break;
        case 3: scalar_loop<3>(x, s, y, n); break;
        case 4: scalar_loop<4>(x, s, y, n); break;
        case 5: scalar_loop<5>(x, s, y, n); break;
        default: scalar_loop<6>(x, s, y, n); break;
    }
}
