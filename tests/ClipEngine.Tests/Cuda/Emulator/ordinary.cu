// An ordinary CUDA C kernel file, as the engine's kernels are written, to show it compiles unchanged:
// row softmax over bf16 rows [rows, cols] to fp32, one block per row; float4 loads of a float copy of the row,
// a grid-stride scale kernel, and block reductions with warp shuffles through shared memory.
#include <cuda_bf16.h>
#include <math_constants.h>

__device__ __forceinline__ float warp_max(float v)
{
    for (int o = warpSize / 2; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

__device__ __forceinline__ float warp_sum(float v)
{
    for (int o = warpSize / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

template <bool IsMax>
__device__ float block_reduce(float v)
{
    __shared__ float partial[32];
    __shared__ float result;
    unsigned lane = threadIdx.x % warpSize, warp = threadIdx.x / warpSize;
    v = IsMax ? warp_max(v) : warp_sum(v);
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    if (warp == 0)
    {
        unsigned warps = (blockDim.x + warpSize - 1) / warpSize;
        float w = lane < warps ? partial[lane] : (IsMax ? -CUDART_INF_F : 0.0f);
        w = IsMax ? warp_max(w) : warp_sum(w);
        if (lane == 0) result = w;
    }
    __syncthreads();
    return result;
}

extern "C" __global__ void __launch_bounds__(256) softmax_rows(const __nv_bfloat16* __restrict__ x, float* __restrict__ y, int cols)
{
    const __nv_bfloat16* row = x + (long)blockIdx.x * cols;
    float* out = y + (long)blockIdx.x * cols;
    float m = -INFINITY;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) m = max(m, __bfloat162float(row[c]));
    m = block_reduce<true>(m);
    float s = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x)
    {
        float e = __expf(__bfloat162float(row[c]) - m);
        out[c] = e;
        s += e;
    }
    s = block_reduce<false>(s);
    float inv = __frcp_rn(s);
    // cols is a multiple of 4 here, and the rows 16-byte aligned: vector loads and stores.
    float4* out4 = reinterpret_cast<float4*>(out);
    for (int c = threadIdx.x; c < cols / 4; c += blockDim.x)
    {
        float4 v = out4[c];
        out4[c] = make_float4(v.x * inv, v.y * inv, v.z * inv, v.w * inv);
    }
}

extern "C" __global__ void scale(float* __restrict__ data, float factor, long n)
{
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x)
        data[i] = __saturatef(data[i] * factor);
}

// Kernels stamped out by a macro, one per element type.
#define DEFINE_FILL(name, T) \
    extern "C" __global__ void name(T* out, T value, int n) \
    { \
        for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) out[i] = value; \
    }
DEFINE_FILL(fill_f32, float)
DEFINE_FILL(fill_i32, int)
