// Element-wise dtype conversion with f32 on one side (the host runs other pairs as two casts through f32): floats round
// to nearest-even, floats to ints truncate toward zero. Threads map to elements in a grid-stride loop.
#include "common.cuh"

template <class From, class To>
__device__ __forceinline__ void cast(const typename From::Storage* x, typename To::Storage* y, long long n)
{
    for (long long i = grid_thread_index(); i < n; i += grid_thread_count()) y[i] = To::store(From::load(x[i]));
}

extern "C" __global__ void cast_f32_bf16(const float* x, unsigned short* y, long long n) { cast<F32, BF16>(x, y, n); }

extern "C" __global__ void cast_bf16_f32(const unsigned short* x, float* y, long long n) { cast<BF16, F32>(x, y, n); }

extern "C" __global__ void cast_f32_f16(const float* x, unsigned short* y, long long n) { cast<F32, F16>(x, y, n); }

extern "C" __global__ void cast_f16_f32(const unsigned short* x, float* y, long long n) { cast<F16, F32>(x, y, n); }

extern "C" __global__ void cast_f32_i32(const float* x, int* y, long long n) { cast<F32, I32>(x, y, n); }

extern "C" __global__ void cast_i32_f32(const int* x, float* y, long long n) { cast<I32, F32>(x, y, n); }

extern "C" __global__ void cast_f32_i64(const float* x, long long* y, long long n) { cast<F32, I64>(x, y, n); }

extern "C" __global__ void cast_i64_f32(const long long* x, float* y, long long n) { cast<I64, F32>(x, y, n); }

extern "C" __global__ void cast_f32_f64(const float* x, double* y, long long n) { cast<F32, F64>(x, y, n); }

extern "C" __global__ void cast_f64_f32(const double* x, float* y, long long n) { cast<F64, F32>(x, y, n); }
