// Losses over logits, in fp32.
// Cross-entropy of x [N, C] against class indices t: loss = mean_i (lse_i − x[i, t_i]), lse_i = log Σ_c exp(x[i, c]);
// gradient gx[i, c] = g/N · (exp(x[i, c] − lse_i) − [c = t_i]), rebuilt from the saved lse.
// Contrastive (CLIP) loss on x [N, N]: the mean of the cross-entropies of the rows and of the columns against the
// diagonal, loss = Σ_i (rowLse_i − x_ii + colLse_i − x_ii) / 2N; gradient
// gx[i, j] = g/2N · (exp(x[i, j] − rowLse_i) + exp(x[i, j] − colLse_j) − 2[i = j]).
// Each log-sum-exp is max + log Σ exp(x − max), so large logits cannot overflow.
//
// Threads. Row log-sum-exps (both losses): one block per row, threads striding along it, block_reduce for the max
// and the sum; each row also writes its loss term (lse − target logit) to terms. Column log-sum-exps: a 32 x 8 block
// covers 32 adjacent columns (one per lane, so every load is a coalesced row segment) and its 8 thread rows split the
// rows, folded through shared memory. The scalar loss: one block adds the terms in a fixed order (no atomics, the
// same bits every run). Gradients: one block per row, threads striding along it.
#include "common.cuh"

#define COLUMN_TILE 32
#define COLUMN_SPLIT 8

// grid.x = rows; blockDim.x a multiple of 32. Row r's target is targets[r], or r (the diagonal) when targets is null;
// a target outside [0, cols) gives a NaN term (the host validates targets first, this only keeps reads in bounds).
extern "C" __global__ void row_logsumexp_f32(const float* x, const long long* targets, int cols, float* lse, float* terms)
{
    const long long row = blockIdx.x;
    const float* xr = x + row * cols;

    float row_max = negative_infinity();
    for (int j = threadIdx.x; j < cols; j += blockDim.x) row_max = fmaxf(row_max, xr[j]);
    row_max = block_reduce(row_max, MaxOp(), negative_infinity());

    float sum = 0.f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) sum += expf(xr[j] - row_max);
    sum = block_reduce(sum, SumOp(), 0.f);

    if (threadIdx.x != 0) return;
    const float log_sum = logf(sum);
    const long long target = targets ? targets[row] : row;
    lse[row] = row_max + log_sum;
    terms[row] = target >= 0 && target < cols ? row_max - xr[target] + log_sum : __uint_as_float(0x7fc00000u);
}

// x is [n, n]; block = (COLUMN_TILE, COLUMN_SPLIT); grid.x covers the columns in tiles of COLUMN_TILE.
// lse[c] = log Σ_r exp(x[r, c]) and terms[c] = lse[c] − x[c, c].
extern "C" __global__ void column_logsumexp_f32(const float* x, int n, float* lse, float* terms)
{
    __shared__ float tile[COLUMN_SPLIT][COLUMN_TILE];
    const int column = blockIdx.x * COLUMN_TILE + threadIdx.x;
    const bool inside = column < n;

    float column_max = negative_infinity();
    if (inside)
        for (int r = threadIdx.y; r < n; r += COLUMN_SPLIT) column_max = fmaxf(column_max, x[(long long)r * n + column]);
    tile[threadIdx.y][threadIdx.x] = column_max;
    __syncthreads();
    for (int s = 0; s < COLUMN_SPLIT; ++s) column_max = fmaxf(column_max, tile[s][threadIdx.x]);
    __syncthreads();  // the tile is rewritten with the sums

    float sum = 0.f;
    if (inside)
        for (int r = threadIdx.y; r < n; r += COLUMN_SPLIT) sum += expf(x[(long long)r * n + column] - column_max);
    tile[threadIdx.y][threadIdx.x] = sum;
    __syncthreads();
    if (threadIdx.y != 0 || !inside) return;
    for (int s = 1; s < COLUMN_SPLIT; ++s) sum += tile[s][threadIdx.x];
    const float log_sum = logf(sum);
    lse[column] = column_max + log_sum;
    terms[column] = column_max - x[(long long)column * n + column] + log_sum;
}

// One block (blockDim.x a multiple of 32): loss[0] = Σ terms / divisor.
extern "C" __global__ void mean_of_terms_f32(const float* terms, int count, float divisor, float* loss)
{
    float sum = 0.f;
    for (int i = threadIdx.x; i < count; i += blockDim.x) sum += terms[i];
    sum = block_reduce(sum, SumOp(), 0.f);
    if (threadIdx.x == 0) loss[0] = sum / divisor;
}

// grid.x = rows; blockDim.x a multiple of 32; g_loss is the device scalar gradient of the loss.
extern "C" __global__ void cross_entropy_backward_f32(const float* g_loss, const float* x, const long long* targets, const float* lse, float* gx, int rows, int cols)
{
    const long long row = blockIdx.x;
    const float* xr = x + row * cols;
    float* out = gx + row * cols;
    const float g = g_loss[0] / (float)rows;
    const float row_lse = lse[row];
    const long long target = targets[row];
    for (int j = threadIdx.x; j < cols; j += blockDim.x)
    {
        const float p = expf(xr[j] - row_lse);
        out[j] = (j == target ? p - 1.f : p) * g;
    }
}

// x is [n, n]; grid.x = n rows; blockDim.x a multiple of 32.
extern "C" __global__ void contrastive_backward_f32(const float* g_loss, const float* x, const float* row_lse, const float* column_lse, float* gx, int n)
{
    const long long row = blockIdx.x;
    const float* xr = x + row * n;
    float* out = gx + row * n;
    const float g = g_loss[0] / (2.f * (float)n);
    const float lse = row_lse[row];
    for (int j = threadIdx.x; j < n; j += blockDim.x)
    {
        const float both = expf(xr[j] - lse) + expf(xr[j] - column_lse[j]);
        out[j] = (j == row ? both - 2.f : both) * g;
    }
}
