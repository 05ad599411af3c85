// Index-driven moves: gather rows (y[i, :] = table[indices[i], :]), scatter-add rows (table[indices[i], :] += g[i, :],
// repeated indices accumulating through atomicAdd), and scatter along the middle axis of [outer, n, inner] (the
// adjoint of a max reduction). Indices live on the device, so each kernel checks them itself: an index outside
// [0, bound) is skipped and its position recorded with atomicMin in *bad_position (all ones when every index is
// good). The host reads that slot when it next waits for the device (CudaBackend.IndexChecks) and raises an error
// naming the smallest bad position.
//
// Row kernels: blockIdx.y (grid-stride) walks the index positions, the threads of x walk the row's columns, so each
// thread reads its index once and a warp moves 32 adjacent words of one row. Rows are moved as 2-, 4- or 8-byte words,
// the widest that divides the row and both base addresses (chosen by the host), whatever the dtype.
#include "common.cuh"

// Index i of an I64 (wide) or I32 index tensor.
__device__ __forceinline__ long long load_index(const void* indices, int wide, long long i)
{
    return wide ? ((const long long*)indices)[i] : (long long)((const int*)indices)[i];
}

__device__ __forceinline__ bool index_in_range(long long index, long long bound, long long position, unsigned long long* bad_position)
{
    if ((unsigned long long)index < (unsigned long long)bound) return true;
    atomicMin(bad_position, (unsigned long long)position);
    return false;
}

// table [rows, width] and y [count, width] in words.
template <class Word>
__device__ __forceinline__ void gather_rows(const Word* table, long long rows, const void* indices, int wide, Word* y,
                                            long long count, long long width, unsigned long long* bad_position)
{
    for (long long i = blockIdx.y; i < count; i += gridDim.y)
    {
        const long long row = load_index(indices, wide, i);
        if (!index_in_range(row, rows, i, bad_position)) continue;
        const Word* from = table + row * width;
        Word* to = y + i * width;
        for (long long c = (long long)blockIdx.x * blockDim.x + threadIdx.x; c < width; c += (long long)gridDim.x * blockDim.x) to[c] = from[c];
    }
}

extern "C" __global__ void gather_rows_u16(const unsigned short* table, long long rows, const void* indices, int wide, unsigned short* y,
                                           long long count, long long width, unsigned long long* bad_position)
{
    gather_rows(table, rows, indices, wide, y, count, width, bad_position);
}

extern "C" __global__ void gather_rows_u32(const unsigned int* table, long long rows, const void* indices, int wide, unsigned int* y,
                                           long long count, long long width, unsigned long long* bad_position)
{
    gather_rows(table, rows, indices, wide, y, count, width, bad_position);
}

extern "C" __global__ void gather_rows_u64(const unsigned long long* table, long long rows, const void* indices, int wide, unsigned long long* y,
                                           long long count, long long width, unsigned long long* bad_position)
{
    gather_rows(table, rows, indices, wide, y, count, width, bad_position);
}

// g [count, width] added into table [rows, width], f32.
extern "C" __global__ void scatter_add_rows_f32(const float* g, const void* indices, int wide, float* table, long long rows,
                                                long long count, long long width, unsigned long long* bad_position)
{
    for (long long i = blockIdx.y; i < count; i += gridDim.y)
    {
        const long long row = load_index(indices, wide, i);
        if (!index_in_range(row, rows, i, bad_position)) continue;
        const float* from = g + i * width;
        float* to = table + row * width;
        for (long long c = (long long)blockIdx.x * blockDim.x + threadIdx.x; c < width; c += (long long)gridDim.x * blockDim.x) atomicAdd(to + c, from[c]);
    }
}

// destination [outer, n, inner] (zeroed by the host) gets values [outer, inner] at the I64 positions indices [outer, inner]
// along its middle axis; one element of values per thread per step, so reads are coalesced and writes land inner-adjacent.
extern "C" __global__ void scatter_along_axis_f32(const float* values, const long long* indices, float* destination,
                                                  long long outer, long long n, long long inner, unsigned long long* bad_position)
{
    const long long count = outer * inner;
    for (long long k = grid_thread_index(); k < count; k += grid_thread_count())
    {
        const long long at = indices[k];
        if (!index_in_range(at, n, k, bad_position)) continue;
        const long long o = k / inner;
        destination[(o * n + at) * inner + (k - o * inner)] = values[k];
    }
}
