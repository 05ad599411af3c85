// Sets every element of a buffer to one bit pattern. The host turns the value into the dtype's bits (f32, bf16, f16,
// i32, i64, f64), so one kernel per element width serves every dtype. Threads map to elements in a grid-stride loop.
#include "common.cuh"

template <class T>
__device__ __forceinline__ void fill(T* y, T value, long long n)
{
    for (long long i = grid_thread_index(); i < n; i += grid_thread_count()) y[i] = value;
}

extern "C" __global__ void fill_u16(unsigned short* y, unsigned short value, long long n) { fill(y, value, n); }

extern "C" __global__ void fill_u32(unsigned int* y, unsigned int value, long long n) { fill(y, value, n); }

extern "C" __global__ void fill_u64(unsigned long long* y, unsigned long long value, long long n) { fill(y, value, n); }
