// Softmax or log-softmax of each row of x [rows, n], in fp32:
//   softmax      y = exp(x − max) / Σ exp(x − max)           backward gx = y∘(gy − Σ gy∘y)
//   log-softmax  y = (x − max) − log Σ exp(x − max)          backward gx = gy − exp(y)·Σ gy
// Subtracting the row max keeps every exponent ≤ 0, so large logits cannot overflow and -inf entries (masked) give 0.
// Threads: one block per row, threads striding along it (coalesced); block_reduce for the max and the sums. The row is
// read once per pass; a row of a few KiB stays in L1.
#include "common.cuh"

// grid.x = rows; blockDim.x a multiple of 32; log_softmax != 0 selects log-softmax.
extern "C" __global__ void softmax_forward_f32(const float* x, float* y, int n, int log_softmax)
{
    const long long row = blockIdx.x;
    const float* xr = x + row * n;
    float* yr = y + row * n;

    float row_max = negative_infinity();
    for (int j = threadIdx.x; j < n; j += blockDim.x) row_max = fmaxf(row_max, xr[j]);
    row_max = block_reduce(row_max, MaxOp(), negative_infinity());

    float sum = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) sum += expf(xr[j] - row_max);
    sum = block_reduce(sum, SumOp(), 0.f);

    if (log_softmax)
    {
        const float log_sum = logf(sum);
        for (int j = threadIdx.x; j < n; j += blockDim.x) yr[j] = xr[j] - row_max - log_sum;
    }
    else
    {
        const float inverse = 1.f / sum;
        for (int j = threadIdx.x; j < n; j += blockDim.x) yr[j] = expf(xr[j] - row_max) * inverse;
    }
}

// grid.x = rows; blockDim.x a multiple of 32; y is the forward's output.
extern "C" __global__ void softmax_backward_f32(const float* gy, const float* y, float* gx, int n, int log_softmax)
{
    const long long row = blockIdx.x;
    const float* gr = gy + row * n;
    const float* yr = y + row * n;
    float* out = gx + row * n;

    float sum = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) sum += log_softmax ? gr[j] : gr[j] * yr[j];
    sum = block_reduce(sum, SumOp(), 0.f);

    if (log_softmax)
    {
        for (int j = threadIdx.x; j < n; j += blockDim.x) out[j] = gr[j] - expf(yr[j]) * sum;
    }
    else
    {
        for (int j = threadIdx.x; j < n; j += blockDim.x) out[j] = (gr[j] - sum) * yr[j];
    }
}
