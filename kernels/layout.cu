// Materialised layouts: permutations (torch.permute(...).contiguous()) and broadcasts (expand(...).contiguous()),
// on 2-, 4- or 8-byte elements of any dtype. The host coalesces the shapes first (size-1 axes dropped, axes that
// move together merged), so most permutations become one of two kernels:
//   - transpose: x [batch, rows, cols] -> y [batch, cols, rows], the last-two-axes swap of attention heads and
//     matrix transposes. A 32x8 block moves a 32x32 tile through shared memory: it reads tile rows along x's
//     contiguous axis and writes tile columns along y's, so both sides are coalesced; the tile has a padding column
//     so that reading it column-wise hits 32 different banks.
//   - strided copy: every other permutation and every broadcast. y is walked in order, grid-stride, one element per
//     thread; each output index is split into coordinates along at most 8 output axes, and x's element is the sum of
//     coordinate x stride (stride 0 along an axis x is broadcast on). When x's last axis stays last, consecutive
//     threads read consecutive elements.
#include "common.cuh"

#define TILE 32
#define TILE_ROWS 8

// y's (coalesced) shape, innermost last, and the element stride in x of a step along each of y's axes.
struct StridedIndex
{
    long long rank;
    long long shape[MAX_INDEX_DIMS];
    long long stride[MAX_INDEX_DIMS];
};

// Index: see for_each_coordinate.
template <class T, class Index>
__device__ __forceinline__ void strided_copy(const T* x, T* y, long long n, const StridedIndex& index)
{
    for (long long i = grid_thread_index(); i < n; i += grid_thread_count())
    {
        Index offset = 0;
        for_each_coordinate((Index)i, index.rank, index.shape, [&](int d, Index coordinate) { offset += coordinate * (Index)index.stride[d]; });
        y[i] = x[offset];
    }
}

template <class T>
__device__ __forceinline__ void strided_copy_any(const T* x, T* y, long long n, const StridedIndex& index, int small_index)
{
    if (small_index) strided_copy<T, unsigned int>(x, y, n, index);
    else strided_copy<T, unsigned long long>(x, y, n, index);
}

// y holds n elements (the product of index.shape); small_index: n and x's element count are below 2^32.
extern "C" __global__ void strided_copy_u16(const unsigned short* x, unsigned short* y, long long n, StridedIndex index, int small_index)
{
    strided_copy_any(x, y, n, index, small_index);
}

extern "C" __global__ void strided_copy_u32(const unsigned int* x, unsigned int* y, long long n, StridedIndex index, int small_index)
{
    strided_copy_any(x, y, n, index, small_index);
}

extern "C" __global__ void strided_copy_u64(const unsigned long long* x, unsigned long long* y, long long n, StridedIndex index, int small_index)
{
    strided_copy_any(x, y, n, index, small_index);
}

// Grid: x over column tiles, y and z (grid-stride) over row tiles and matrices; block TILE x TILE_ROWS.
template <class T>
__device__ __forceinline__ void transpose(const T* x, T* y, long long batch, int rows, int cols)
{
    __shared__ T tile[TILE][TILE + 1];
    const int row_tiles = (rows + TILE - 1) / TILE;
    const int col0 = blockIdx.x * TILE;
    const long long matrix_size = (long long)rows * cols;
    for (long long b = blockIdx.z; b < batch; b += gridDim.z)
    {
        const T* from = x + b * matrix_size;
        T* to = y + b * matrix_size;
        for (int tile_row = blockIdx.y; tile_row < row_tiles; tile_row += gridDim.y)
        {
            const int row0 = tile_row * TILE;
            __syncthreads();  // the previous tile may still be being read
            for (int r = threadIdx.y; r < TILE; r += TILE_ROWS)
            {
                const int row = row0 + r;
                const int col = col0 + threadIdx.x;
                if (row < rows && col < cols) tile[r][threadIdx.x] = from[(long long)row * cols + col];
            }
            __syncthreads();
            for (int c = threadIdx.y; c < TILE; c += TILE_ROWS)
            {
                const int col = col0 + c;
                const int row = row0 + threadIdx.x;
                if (row < rows && col < cols) to[(long long)col * rows + row] = tile[threadIdx.x][c];
            }
        }
    }
}

extern "C" __global__ void transpose_u16(const unsigned short* x, unsigned short* y, long long batch, int rows, int cols)
{
    transpose(x, y, batch, rows, cols);
}

extern "C" __global__ void transpose_u32(const unsigned int* x, unsigned int* y, long long batch, int rows, int cols)
{
    transpose(x, y, batch, rows, cols);
}

extern "C" __global__ void transpose_u64(const unsigned long long* x, unsigned long long* y, long long batch, int rows, int cols)
{
    transpose(x, y, batch, rows, cols);
}
