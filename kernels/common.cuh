// What every kernel file shares: element types named as the engine's DTypes, bf16/f16 <-> f32 conversions done on
// bits (NVRTC 11.8 ships no cuda_bf16.h, and the emulator has none), warp and block reductions, grid-stride loop
// indices and the split of a linear index over a coalesced shape. Standard CUDA C only, so the same text compiles
// under NVRTC and under g++ with the emulator header.
#pragma once

#define FULL_WARP_MASK 0xffffffffu

// ---- grid-stride loops: for (long long i = grid_thread_index(); i < n; i += grid_thread_count()) ----
__device__ __forceinline__ long long grid_thread_index() { return (long long)blockIdx.x * blockDim.x + threadIdx.x; }

__device__ __forceinline__ long long grid_thread_count() { return (long long)gridDim.x * blockDim.x; }

// ---- bfloat16: the top half of an IEEE float ----
__device__ __forceinline__ float bf16_to_float(unsigned short h) { return __uint_as_float(((unsigned int)h) << 16); }

// Round to nearest-even on the dropped 16 bits (what __float2bfloat16 does); a NaN stays a quiet NaN.
__device__ __forceinline__ unsigned short float_to_bf16(float x)
{
    unsigned int bits = __float_as_uint(x);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((bits >> 16) | 0x0040u);
    return (unsigned short)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

// ---- IEEE half ----
__device__ __forceinline__ float half_to_float(unsigned short h)
{
    unsigned int sign = ((unsigned int)h & 0x8000u) << 16;
    unsigned int exponent = ((unsigned int)h >> 10) & 0x1fu;
    unsigned int mantissa = (unsigned int)h & 0x3ffu;
    if (exponent == 0x1fu) return __uint_as_float(sign | (mantissa != 0 ? 0x7fc00000u | (mantissa << 13) : 0x7f800000u));
    // Zero and subnormals are mantissa · 2^-24, exact in float.
    if (exponent == 0) return __uint_as_float(sign | __float_as_uint((float)mantissa * 5.9604644775390625e-8f));
    return __uint_as_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

// Round to nearest-even, overflow to infinity, gradual underflow to subnormals; a NaN stays a quiet NaN.
__device__ __forceinline__ unsigned short float_to_half(float x)
{
    unsigned int bits = __float_as_uint(x);
    unsigned int sign = (bits >> 16) & 0x8000u;
    unsigned int magnitude = bits & 0x7fffffffu;
    if (magnitude > 0x7f800000u) return (unsigned short)(sign | 0x7e00u | ((magnitude >> 13) & 0x3ffu));
    if (magnitude >= 0x477ff000u) return (unsigned short)(sign | 0x7c00u);  // >= 65520 rounds to infinity
    if (magnitude >= 0x38800000u)                                            // a normal half (>= 2^-14)
    {
        unsigned int rebiased = magnitude - 0x38000000u;
        return (unsigned short)(sign | ((rebiased + 0x0fffu + ((rebiased >> 13) & 1u)) >> 13));
    }
    if (magnitude < 0x33000000u) return (unsigned short)sign;  // below 2^-25: rounds to zero
    // A subnormal half counts units of 2^-24: shift the 24-bit significand down and round the remainder to even.
    unsigned int significand = (magnitude & 0x7fffffu) | 0x800000u;
    unsigned int shift = 126u - (magnitude >> 23);
    unsigned int result = significand >> shift;
    unsigned int remainder = significand & ((1u << shift) - 1u);
    unsigned int halfway = 1u << (shift - 1u);
    if (remainder > halfway || (remainder == halfway && (result & 1u))) result++;
    return (unsigned short)(sign | result);
}

// ---- element types, named as the engine's DType: each one's storage type, widening to float (load) and narrowing
// from float (store). Kernels templated on them compute in float whatever their tensors store. ----
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

// ---- reductions; every lane of the warp (every thread of the block) must call them, blockDim.x a multiple of 32 ----
struct SumOp
{
    __device__ __forceinline__ float operator()(float a, float b) const { return a + b; }
};

// fmaxf: a NaN operand is ignored, so a NaN in a row reaches the result through the later arithmetic instead.
struct MaxOp
{
    __device__ __forceinline__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

// The identity of MaxOp and the score of a masked key (NVRTC has no <math.h>, hence no INFINITY).
__device__ __forceinline__ float negative_infinity() { return __uint_as_float(0xff800000u); }

// The reduction of the 32 lanes' values, in every lane.
template <class Op>
__device__ __forceinline__ float warp_reduce(float v, Op op)
{
    for (int offset = 16; offset > 0; offset >>= 1) v = op(v, __shfl_xor_sync(FULL_WARP_MASK, v, offset));
    return v;
}

// The reduction of the block's values, in every thread; one warp's partial per shared slot, then one warp folds them.
template <class Op>
__device__ float block_reduce(float v, Op op, float identity)
{
    __shared__ float partials[32];
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    v = warp_reduce(v, op);
    __syncthreads();  // a previous call may still be reading partials
    if (lane == 0) partials[warp] = v;
    __syncthreads();
    v = lane < (int)(blockDim.x >> 5) ? partials[lane] : identity;
    return warp_reduce(v, op);
}

// ---- coalesced strided indexing (broadcast and strided-copy kernels): at most MAX_INDEX_DIMS axes, innermost last ----
#define MAX_INDEX_DIMS 8

// Splits the linear index rest over shape[0..rank) into coordinates and hands each to visit(axis, coordinate), innermost
// axis first. Index is unsigned int when every offset fits, which makes the per-axis division far cheaper than 64-bit.
template <class Index, class Visit>
__device__ __forceinline__ void for_each_coordinate(Index rest, long long rank, const long long* shape, Visit visit)
{
#pragma unroll
    for (int d = MAX_INDEX_DIMS - 1; d >= 0; --d)
    {
        if (d < rank)
        {
            const Index size = (Index)shape[d];
            const Index quotient = rest / size;
            visit(d, rest - quotient * size);
            rest = quotient;
        }
    }
}
