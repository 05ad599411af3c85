// Binary f32 ops c = a op b (op numbered as the engine's BinaryOp: add, sub, mul, div, pow), grid-stride over the
// elements of c. Same shapes: each thread takes float4s (when all three pointers are 16-byte aligned) and the tail
// element by element. Broadcasting: the host coalesces the shapes into at most 8 dimensions with per-input strides
// (0 where an input stretches); each thread turns its output index into the two input offsets.
#include "common.cuh"

// Output dimensions (innermost last) and each input's element strides along them; unused trailing slots are ignored.
struct BroadcastIndex
{
    long long rank;
    long long shape[MAX_INDEX_DIMS];
    long long stride_a[MAX_INDEX_DIMS];
    long long stride_b[MAX_INDEX_DIMS];
};

template <int Op>
__device__ __forceinline__ float apply(float a, float b)
{
    switch (Op)
    {
        case 0: return a + b;
        case 1: return a - b;
        case 2: return a * b;
        case 3: return a / b;
        default: return powf(a, b);
    }
}

template <int Op>
__device__ __forceinline__ float4 apply4(float4 a, float4 b)
{
    return make_float4(apply<Op>(a.x, b.x), apply<Op>(a.y, b.y), apply<Op>(a.z, b.z), apply<Op>(a.w, b.w));
}

template <int Op>
__device__ __forceinline__ void binary_same(const float* a, const float* b, float* c, long long n)
{
    long long scalar_from = 0;
    if ((((unsigned long long)a | (unsigned long long)b | (unsigned long long)c) & 15ull) == 0)
    {
        const long long n4 = n >> 2;
        const float4* a4 = (const float4*)a;
        const float4* b4 = (const float4*)b;
        float4* c4 = (float4*)c;
        for (long long i = grid_thread_index(); i < n4; i += grid_thread_count()) c4[i] = apply4<Op>(a4[i], b4[i]);
        scalar_from = n4 << 2;
    }
    for (long long i = scalar_from + grid_thread_index(); i < n; i += grid_thread_count()) c[i] = apply<Op>(a[i], b[i]);
}

// Index: see for_each_coordinate.
template <int Op, class Index>
__device__ __forceinline__ void binary_broadcast(const float* a, const float* b, float* c, long long n, const BroadcastIndex& index)
{
    for (long long i = grid_thread_index(); i < n; i += grid_thread_count())
    {
        Index offset_a = 0;
        Index offset_b = 0;
        for_each_coordinate((Index)i, index.rank, index.shape, [&](int d, Index coordinate)
        {
            offset_a += coordinate * (Index)index.stride_a[d];
            offset_b += coordinate * (Index)index.stride_b[d];
        });
        c[i] = apply<Op>(a[offset_a], b[offset_b]);
    }
}

template <class Index>
__device__ __forceinline__ void binary_broadcast_op(int op, const float* a, const float* b, float* c, long long n, const BroadcastIndex& index)
{
    switch (op)
    {
        case 0: binary_broadcast<0, Index>(a, b, c, n, index); break;
        case 1: binary_broadcast<1, Index>(a, b, c, n, index); break;
        case 2: binary_broadcast<2, Index>(a, b, c, n, index); break;
        case 3: binary_broadcast<3, Index>(a, b, c, n, index); break;
        default: binary_broadcast<4, Index>(a, b, c, n, index); break;
    }
}

// a, b and c all hold n elements; c may be a or b.
extern "C" __global__ void binary_f32(int op, const float* a, const float* b, float* c, long long n)
{
    switch (op)
    {
        case 0: binary_same<0>(a, b, c, n); break;
        case 1: binary_same<1>(a, b, c, n); break;
        case 2: binary_same<2>(a, b, c, n); break;
        case 3: binary_same<3>(a, b, c, n); break;
        default: binary_same<4>(a, b, c, n); break;
    }
}

// c holds n elements (the product of index.shape); small_index: n and both inputs' sizes are below 2^32.
extern "C" __global__ void binary_f32_broadcast(int op, const float* a, const float* b, float* c, long long n, BroadcastIndex index, int small_index)
{
    if (small_index) binary_broadcast_op<unsigned int>(op, a, b, c, n, index);
    else binary_broadcast_op<unsigned long long>(op, a, b, c, n, index);
}
