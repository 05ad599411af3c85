// Strided block copy: count blocks of block_length words, block b from src[b * src_stride] to dst[b * dst_stride]
// (slices, concatenation, stacking). A word is the widest of 2, 4, 8 bytes that divides every address, length and
// stride (every dtype is at least 2 bytes), chosen by the host. blockIdx.y walks the blocks (stride gridDim.y);
// x threads walk the words of a block in a grid-stride loop.
#include "common.cuh"

template <class T>
__device__ __forceinline__ void copy_blocks(const T* src, T* dst, long long block_length, long long count, long long src_stride, long long dst_stride)
{
    for (long long b = blockIdx.y; b < count; b += gridDim.y)
    {
        const T* from = src + b * src_stride;
        T* to = dst + b * dst_stride;
        for (long long i = grid_thread_index(); i < block_length; i += grid_thread_count()) to[i] = from[i];
    }
}

extern "C" __global__ void copy_blocks_u16(const unsigned short* src, unsigned short* dst, long long block_length, long long count, long long src_stride, long long dst_stride)
{
    copy_blocks(src, dst, block_length, count, src_stride, dst_stride);
}

extern "C" __global__ void copy_blocks_u32(const unsigned int* src, unsigned int* dst, long long block_length, long long count, long long src_stride, long long dst_stride)
{
    copy_blocks(src, dst, block_length, count, src_stride, dst_stride);
}

extern "C" __global__ void copy_blocks_u64(const unsigned long long* src, unsigned long long* dst, long long block_length, long long count, long long src_stride, long long dst_stride)
{
    copy_blocks(src, dst, block_length, count, src_stride, dst_stride);
}
