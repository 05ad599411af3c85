// Binary ops c = a op b (op numbered as the engine's BinaryOp: add, sub, mul, div, pow), grid-stride over the
// elements of c. Element types: a and b each F32 or BF16, c BF16 when both are, else F32 (IBackend.SupportsBf16);
// the math runs in float and a BF16 c is rounded once. Same shapes: each thread takes packs of four elements (one
// float4 or one 8-byte load of four bf16 per tensor, when every pointer is aligned to its pack) and the tail element
// by element. Broadcasting: the host coalesces the shapes into at most 8 dimensions with per-input strides (0 where an
// input stretches); each thread turns its output index into the two input offsets.
#include "common.cuh"

// Output dimensions (innermost last) and each input's element strides along them; unused trailing slots are ignored.
struct BroadcastIndex
{
    long long rank;
    long long shape[MAX_INDEX_DIMS];
    long long stride_a[MAX_INDEX_DIMS];
    long long stride_b[MAX_INDEX_DIMS];
};

// Four consecutive elements moved as one access (pack i holds elements 4i .. 4i + 3), widened to or narrowed from float.
template <class T>
struct Pack4;

template <>
struct Pack4<F32>
{
    static __device__ __forceinline__ void load(const float* p, long long i, float v[4])
    {
        const float4 q = ((const float4*)p)[i];
        v[0] = q.x;
        v[1] = q.y;
        v[2] = q.z;
        v[3] = q.w;
    }

    static __device__ __forceinline__ void store(float* p, long long i, const float v[4]) { ((float4*)p)[i] = make_float4(v[0], v[1], v[2], v[3]); }
};

// Little-endian on both the device and the emulator's host: the lower-addressed element is the low half of a word.
template <>
struct Pack4<BF16>
{
    static __device__ __forceinline__ void load(const unsigned short* p, long long i, float v[4])
    {
        const uint2 q = ((const uint2*)p)[i];
        v[0] = bf16_to_float((unsigned short)(q.x & 0xffffu));
        v[1] = bf16_to_float((unsigned short)(q.x >> 16));
        v[2] = bf16_to_float((unsigned short)(q.y & 0xffffu));
        v[3] = bf16_to_float((unsigned short)(q.y >> 16));
    }

    static __device__ __forceinline__ void store(unsigned short* p, long long i, const float v[4])
    {
        ((uint2*)p)[i] = make_uint2((unsigned int)float_to_bf16(v[0]) | ((unsigned int)float_to_bf16(v[1]) << 16),
                                    (unsigned int)float_to_bf16(v[2]) | ((unsigned int)float_to_bf16(v[3]) << 16));
    }
};

template <class T>
__device__ __forceinline__ bool pack_aligned(const typename T::Storage* p)
{
    return ((unsigned long long)p & (4ull * sizeof(typename T::Storage) - 1ull)) == 0;
}

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

template <int Op, class A, class B, class C>
__device__ __forceinline__ void binary_same(const typename A::Storage* a, const typename B::Storage* b, typename C::Storage* c, long long n)
{
    long long scalar_from = 0;
    if (pack_aligned<A>(a) && pack_aligned<B>(b) && pack_aligned<C>(c))
    {
        const long long packs = n >> 2;
        for (long long i = grid_thread_index(); i < packs; i += grid_thread_count())
        {
            float va[4], vb[4], vc[4];
            Pack4<A>::load(a, i, va);
            Pack4<B>::load(b, i, vb);
#pragma unroll
            for (int k = 0; k < 4; ++k) vc[k] = apply<Op>(va[k], vb[k]);
            Pack4<C>::store(c, i, vc);
        }
        scalar_from = packs << 2;
    }
    for (long long i = scalar_from + grid_thread_index(); i < n; i += grid_thread_count())
        c[i] = C::store(apply<Op>(A::load(a[i]), B::load(b[i])));
}

template <class A, class B, class C>
__device__ __forceinline__ void binary_same_op(int op, const typename A::Storage* a, const typename B::Storage* b, typename C::Storage* c, long long n)
{
    switch (op)
    {
        case 0: binary_same<0, A, B, C>(a, b, c, n); break;
        case 1: binary_same<1, A, B, C>(a, b, c, n); break;
        case 2: binary_same<2, A, B, C>(a, b, c, n); break;
        case 3: binary_same<3, A, B, C>(a, b, c, n); break;
        default: binary_same<4, A, B, C>(a, b, c, n); break;
    }
}

// Index: see for_each_coordinate.
template <int Op, class A, class B, class C, class Index>
__device__ __forceinline__ void binary_broadcast(const typename A::Storage* a, const typename B::Storage* b, typename C::Storage* c, long long n,
                                                 const BroadcastIndex& index)
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
        c[i] = C::store(apply<Op>(A::load(a[offset_a]), B::load(b[offset_b])));
    }
}

// small_index: n and both inputs' sizes are below 2^32.
template <class A, class B, class C>
__device__ __forceinline__ void binary_broadcast_op(int op, const typename A::Storage* a, const typename B::Storage* b, typename C::Storage* c,
                                                    long long n, const BroadcastIndex& index, int small_index)
{
#define CALL(k)                                                                 \
    if (small_index) binary_broadcast<k, A, B, C, unsigned int>(a, b, c, n, index); \
    else binary_broadcast<k, A, B, C, unsigned long long>(a, b, c, n, index)
    switch (op)
    {
        case 0: CALL(0); break;
        case 1: CALL(1); break;
        case 2: CALL(2); break;
        case 3: CALL(3); break;
        default: CALL(4); break;
    }
#undef CALL
}

// Same shapes: a, b and c all hold n elements; c may be a or b when their element types agree.
extern "C" __global__ void binary_f32(int op, const float* a, const float* b, float* c, long long n)
{
    binary_same_op<F32, F32, F32>(op, a, b, c, n);
}

extern "C" __global__ void binary_bf16(int op, const unsigned short* a, const unsigned short* b, unsigned short* c, long long n)
{
    binary_same_op<BF16, BF16, BF16>(op, a, b, c, n);
}

extern "C" __global__ void binary_f32_bf16(int op, const float* a, const unsigned short* b, float* c, long long n)
{
    binary_same_op<F32, BF16, F32>(op, a, b, c, n);
}

extern "C" __global__ void binary_bf16_f32(int op, const unsigned short* a, const float* b, float* c, long long n)
{
    binary_same_op<BF16, F32, F32>(op, a, b, c, n);
}

// Broadcasting: c holds n elements (the product of index.shape).
extern "C" __global__ void binary_f32_broadcast(int op, const float* a, const float* b, float* c, long long n, BroadcastIndex index, int small_index)
{
    binary_broadcast_op<F32, F32, F32>(op, a, b, c, n, index, small_index);
}

extern "C" __global__ void binary_bf16_broadcast(int op, const unsigned short* a, const unsigned short* b, unsigned short* c, long long n,
                                                 BroadcastIndex index, int small_index)
{
    binary_broadcast_op<BF16, BF16, BF16>(op, a, b, c, n, index, small_index);
}

extern "C" __global__ void binary_f32_bf16_broadcast(int op, const float* a, const unsigned short* b, float* c, long long n, BroadcastIndex index,
                                                     int small_index)
{
    binary_broadcast_op<F32, BF16, F32>(op, a, b, c, n, index, small_index);
}

extern "C" __global__ void binary_bf16_f32_broadcast(int op, const unsigned short* a, const float* b, float* c, long long n, BroadcastIndex index,
                                                     int small_index)
{
    binary_broadcast_op<BF16, F32, F32>(op, a, b, c, n, index, small_index);
}
