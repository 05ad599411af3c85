// Element-wise dtype conversion with f32 on one side (the host runs other pairs as two casts through f32): floats round
// to nearest-even, floats to ints truncate toward zero. Threads map to elements in a grid-stride loop.
#include "common.cuh"

// Each dtype: its storage type, widening to float and narrowing from float.
struct F32
{
    typedef float Storage;
    static __device__ __forceinline__ float load(float v) { return v; }
    static __device__ __forceinline__ float store(float v) { return v; }
};

struct BF16
{
    typedef unsigned short Storage;
    static __device__ __forceinline__ float load(unsigned short v) { return bf16_to_float(v); }
    static __device__ __forceinline__ unsigned short store(float v) { return float_to_bf16(v); }
};

struct F16
{
    typedef unsigned short Storage;
    static __device__ __forceinline__ float load(unsigned short v) { return half_to_float(v); }
    static __device__ __forceinline__ unsigned short store(float v) { return float_to_half(v); }
};

struct I32
{
    typedef int Storage;
    static __device__ __forceinline__ float load(int v) { return (float)v; }
    static __device__ __forceinline__ int store(float v) { return (int)v; }
};

struct I64
{
    typedef long long Storage;
    static __device__ __forceinline__ float load(long long v) { return (float)v; }
    static __device__ __forceinline__ long long store(float v) { return (long long)v; }
};

struct F64
{
    typedef double Storage;
    static __device__ __forceinline__ float load(double v) { return (float)v; }
    static __device__ __forceinline__ double store(float v) { return (double)v; }
};

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
