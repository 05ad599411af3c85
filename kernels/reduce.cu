// Reductions of the middle axis of x viewed as [outer, n, inner] into y [outer, inner], op numbered as the engine's
// ReduceOp: sum, mean, max, argmax (max and argmax also write the I64 position of the first maximum into indices when
// it is not null; a NaN counts as the maximum, as in PyTorch; argmax writes that position into y too).
// inner == 1 (reduce_rows_f32): one block per row, threads stride along the row, then warp shuffles and shared memory
// fold the block. inner > 1 (reduce_cols_f32): a 32 x 8 block covers 32 adjacent columns of one outer slice, so loads
// stay coalesced along inner; the 8 thread rows split n and a shared tile folds them.
#include "common.cuh"

#define OP_SUM 0
#define OP_MEAN 1
#define OP_MAX 2
#define OP_ARGMAX 3
#define COLUMN_TILE 32
#define COLUMN_SPLIT 8

// A candidate maximum: index -1 is "no element yet".
struct Best
{
    float value;
    int index;
};

__device__ __forceinline__ bool is_nan(float v) { return v != v; }

// The order of PyTorch's max: NaN first, then larger values, then the smaller index among equals.
__device__ __forceinline__ bool better(Best a, Best b)
{
    if (a.index < 0) return false;
    if (b.index < 0) return true;
    const bool a_nan = is_nan(a.value);
    const bool b_nan = is_nan(b.value);
    if (a_nan || b_nan) return a_nan && b_nan ? a.index < b.index : a_nan;
    if (a.value != b.value) return a.value > b.value;
    return a.index < b.index;
}

__device__ __forceinline__ Best pick(Best a, Best b) { return better(b, a) ? b : a; }

__device__ __forceinline__ Best warp_best(Best v)
{
    for (int offset = 16; offset > 0; offset >>= 1)
    {
        Best other;
        other.value = __shfl_xor_sync(FULL_WARP_MASK, v.value, offset);
        other.index = __shfl_xor_sync(FULL_WARP_MASK, v.index, offset);
        v = pick(v, other);
    }
    return v;
}

__device__ Best block_best(Best v)
{
    __shared__ float values[32];
    __shared__ int indices[32];
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    v = warp_best(v);
    __syncthreads();
    if (lane == 0)
    {
        values[warp] = v.value;
        indices[warp] = v.index;
    }
    __syncthreads();
    Best folded;
    folded.value = 0.f;
    folded.index = -1;
    if (lane < (int)(blockDim.x >> 5))
    {
        folded.value = values[lane];
        folded.index = indices[lane];
    }
    return warp_best(folded);
}

__device__ __forceinline__ void write_result(int op, float sum, Best best, int n, float* y, long long* indices, long long at)
{
    if (op == OP_SUM) y[at] = sum;
    else if (op == OP_MEAN) y[at] = sum / (float)n;
    else
    {
        y[at] = op == OP_MAX ? best.value : (float)best.index;
        if (indices) indices[at] = best.index;
    }
}

// grid.x = outer; blockDim.x a multiple of 32.
extern "C" __global__ void reduce_rows_f32(int op, const float* x, float* y, long long* indices, int n)
{
    const float* row = x + (long long)blockIdx.x * n;
    float sum = 0.f;
    Best best;
    best.value = 0.f;
    best.index = -1;
    if (op == OP_SUM || op == OP_MEAN)
    {
        for (int j = threadIdx.x; j < n; j += blockDim.x) sum += row[j];
        sum = block_reduce(sum, SumOp(), 0.f);
    }
    else
    {
        for (int j = threadIdx.x; j < n; j += blockDim.x)
        {
            Best candidate;
            candidate.value = row[j];
            candidate.index = j;
            best = pick(best, candidate);
        }
        best = block_best(best);
    }
    if (threadIdx.x == 0) write_result(op, sum, best, n, y, indices, blockIdx.x);
}

// block = (COLUMN_TILE, COLUMN_SPLIT); grid.x covers inner in tiles of COLUMN_TILE, grid.y strides over outer.
extern "C" __global__ void reduce_cols_f32(int op, const float* x, float* y, long long* indices, int outer, int n, int inner)
{
    __shared__ float sums[COLUMN_SPLIT][COLUMN_TILE];
    __shared__ float values[COLUMN_SPLIT][COLUMN_TILE];
    __shared__ int positions[COLUMN_SPLIT][COLUMN_TILE];
    const int column = blockIdx.x * COLUMN_TILE + threadIdx.x;
    const bool sums_only = op == OP_SUM || op == OP_MEAN;
    for (int o = blockIdx.y; o < outer; o += gridDim.y)
    {
        float sum = 0.f;
        Best best;
        best.value = 0.f;
        best.index = -1;
        if (column < inner)
        {
            const float* slice = x + (long long)o * n * inner + column;
            for (int j = threadIdx.y; j < n; j += COLUMN_SPLIT)
            {
                const float v = slice[(long long)j * inner];
                if (sums_only) sum += v;
                else
                {
                    Best candidate;
                    candidate.value = v;
                    candidate.index = j;
                    best = pick(best, candidate);
                }
            }
        }
        sums[threadIdx.y][threadIdx.x] = sum;
        values[threadIdx.y][threadIdx.x] = best.value;
        positions[threadIdx.y][threadIdx.x] = best.index;
        __syncthreads();
        if (threadIdx.y == 0 && column < inner)
        {
            for (int s = 1; s < COLUMN_SPLIT; ++s)
            {
                sum += sums[s][threadIdx.x];
                Best other;
                other.value = values[s][threadIdx.x];
                other.index = positions[s][threadIdx.x];
                best = pick(best, other);
            }
            write_result(op, sum, best, n, y, indices, (long long)o * inner + column);
        }
        __syncthreads();  // the tile is rewritten by the next outer slice
    }
}
