// Layer norm of each row of x [rows, d], in fp32, by the Cpu backend's corrected two-pass method: a first mean m0,
// then the centred row c = x − m0, whose mean s and mean square q give mean = m0 + s and var = max(q − s², 0), so rows
// far from zero keep their precision. rstd = 1/√(var + eps), y = (c − s)·rstd·w + b; mean and rstd are saved.
// Backward with x̂ = (x − mean)·rstd and ĝ = gy∘w: gx = rstd·(ĝ − x̂·mean(ĝ∘x̂) − mean(ĝ)), gw = Σrows gy∘x̂, gb = Σrows gy.
//
// Threads. Forward and gx: one block per row, threads striding along it (coalesced), block_reduce for each row sum;
// x is read once per pass, a row of a few KiB stays in L1. gw and gb are column sums over the rows, done in two stages
// without atomics so that every run gives the same bits: layernorm_backward_params_partial_f32 gives each block 32
// adjacent columns (one per lane, coalesced) of one chunk of rows, which its 8 thread rows split and a shared tile
// folds, into partials [chunks, d]; layernorm_backward_params_final_f32 then adds each column's chunks in order.
#include "common.cuh"

#define COLUMN_TILE 32
#define COLUMN_SPLIT 8

// grid.x = rows; blockDim.x a multiple of 32; weight and bias may be null.
extern "C" __global__ void layernorm_forward_f32(const float* x, const float* weight, const float* bias, float eps, float* y, float* mean, float* rstd, int d)
{
    const long long row = blockIdx.x;
    const float* xr = x + row * d;
    float* yr = y + row * d;

    float sum = 0.f;
    for (int j = threadIdx.x; j < d; j += blockDim.x) sum += xr[j];
    const float m0 = block_reduce(sum, SumOp(), 0.f) / (float)d;

    float centred = 0.f;
    float squares = 0.f;
    for (int j = threadIdx.x; j < d; j += blockDim.x)
    {
        const float c = xr[j] - m0;
        centred += c;
        squares += c * c;
    }
    const float shift = block_reduce(centred, SumOp(), 0.f) / (float)d;
    const float variance = fmaxf(block_reduce(squares, SumOp(), 0.f) / (float)d - shift * shift, 0.f);
    const float scale = 1.f / sqrtf(variance + eps);
    if (threadIdx.x == 0)
    {
        mean[row] = m0 + shift;
        rstd[row] = scale;
    }

    for (int j = threadIdx.x; j < d; j += blockDim.x)
    {
        float v = (xr[j] - m0 - shift) * scale;
        if (weight) v *= weight[j];
        if (bias) v += bias[j];
        yr[j] = v;
    }
}

// gx only; grid.x = rows; blockDim.x a multiple of 32; weight may be null.
extern "C" __global__ void layernorm_backward_input_f32(const float* gy, const float* x, const float* weight, const float* mean, const float* rstd, float* gx, int d)
{
    const long long row = blockIdx.x;
    const float* gr = gy + row * d;
    const float* xr = x + row * d;
    float* out = gx + row * d;
    const float m = mean[row];
    const float scale = rstd[row];

    float sum_g = 0.f;
    float sum_gx = 0.f;
    for (int j = threadIdx.x; j < d; j += blockDim.x)
    {
        const float g = weight ? gr[j] * weight[j] : gr[j];
        sum_g += g;
        sum_gx += g * ((xr[j] - m) * scale);
    }
    const float mean_g = block_reduce(sum_g, SumOp(), 0.f) / (float)d;
    const float mean_gx = block_reduce(sum_gx, SumOp(), 0.f) / (float)d;

    for (int j = threadIdx.x; j < d; j += blockDim.x)
    {
        const float g = weight ? gr[j] * weight[j] : gr[j];
        const float x_hat = (xr[j] - m) * scale;
        out[j] = (g - x_hat * mean_gx - mean_g) * scale;
    }
}

// block = (COLUMN_TILE, COLUMN_SPLIT); grid.x covers d in tiles of COLUMN_TILE, grid.y = chunks of chunk_rows rows.
// Writes the chunk's column sums to partial_weight and partial_bias [chunks, d]; either may be null.
extern "C" __global__ void layernorm_backward_params_partial_f32(const float* gy, const float* x, const float* mean, const float* rstd,
    float* partial_weight, float* partial_bias, int rows, int d, int chunk_rows)
{
    __shared__ float weight_sums[COLUMN_SPLIT][COLUMN_TILE];
    __shared__ float bias_sums[COLUMN_SPLIT][COLUMN_TILE];
    const int column = blockIdx.x * COLUMN_TILE + threadIdx.x;
    const int begin = blockIdx.y * chunk_rows;
    const int end = min(begin + chunk_rows, rows);

    float sum_weight = 0.f;
    float sum_bias = 0.f;
    if (column < d)
    {
        for (int r = begin + threadIdx.y; r < end; r += COLUMN_SPLIT)
        {
            const long long at = (long long)r * d + column;
            const float g = gy[at];
            sum_weight += g * ((x[at] - mean[r]) * rstd[r]);
            sum_bias += g;
        }
    }
    weight_sums[threadIdx.y][threadIdx.x] = sum_weight;
    bias_sums[threadIdx.y][threadIdx.x] = sum_bias;
    __syncthreads();
    if (threadIdx.y != 0 || column >= d) return;
    for (int s = 1; s < COLUMN_SPLIT; ++s)
    {
        sum_weight += weight_sums[s][threadIdx.x];
        sum_bias += bias_sums[s][threadIdx.x];
    }
    const long long at = (long long)blockIdx.y * d + column;
    if (partial_weight) partial_weight[at] = sum_weight;
    if (partial_bias) partial_bias[at] = sum_bias;
}

// Grid-stride over the d columns: g_weight[c] = Σ_k partial_weight[k, c], likewise for the bias; either pair may be null.
extern "C" __global__ void layernorm_backward_params_final_f32(const float* partial_weight, const float* partial_bias, float* g_weight, float* g_bias, int chunks, int d)
{
    for (long long c = grid_thread_index(); c < d; c += grid_thread_count())
    {
        float sum_weight = 0.f;
        float sum_bias = 0.f;
        for (int k = 0; k < chunks; ++k)
        {
            if (partial_weight) sum_weight += partial_weight[(long long)k * d + c];
            if (partial_bias) sum_bias += partial_bias[(long long)k * d + c];
        }
        if (g_weight) g_weight[c] = sum_weight;
        if (g_bias) g_bias[c] = sum_bias;
    }
}
