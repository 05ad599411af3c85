// Each row of x [rows, d] divided by max(‖row‖₂, eps), in fp32; the norms [rows] are saved. Where the norm exceeds
// eps the Jacobian is (I − y·yᵀ)/‖x‖, so gx = (gy − (gy·y)·y)/‖x‖; below it the denominator is the constant eps and
// gx = gy/eps (as F.normalize).
// Threads: one block per row, threads striding along it (coalesced); block_reduce for the sum of squares and the dot.
#include "common.cuh"

// grid.x = rows; blockDim.x a multiple of 32.
extern "C" __global__ void l2norm_forward_f32(const float* x, float eps, float* y, float* norms, int d)
{
    const long long row = blockIdx.x;
    const float* xr = x + row * d;
    float* yr = y + row * d;

    float squares = 0.f;
    for (int j = threadIdx.x; j < d; j += blockDim.x) squares += xr[j] * xr[j];
    const float norm = sqrtf(block_reduce(squares, SumOp(), 0.f));
    if (threadIdx.x == 0) norms[row] = norm;

    const float denominator = fmaxf(norm, eps);
    for (int j = threadIdx.x; j < d; j += blockDim.x) yr[j] = xr[j] / denominator;
}

// grid.x = rows; blockDim.x a multiple of 32; y and norms are the forward's outputs.
extern "C" __global__ void l2norm_backward_f32(const float* gy, const float* y, const float* norms, float eps, float* gx, int d)
{
    const long long row = blockIdx.x;
    const float* gr = gy + row * d;
    const float* yr = y + row * d;
    float* out = gx + row * d;
    const float norm = norms[row];

    // The branch is the same for the whole block (one row), so block_reduce inside it is reached by every thread.
    if (norm > eps)
    {
        float dot = 0.f;
        for (int j = threadIdx.x; j < d; j += blockDim.x) dot += gr[j] * yr[j];
        dot = block_reduce(dot, SumOp(), 0.f);
        for (int j = threadIdx.x; j < d; j += blockDim.x) out[j] = (gr[j] - yr[j] * dot) / norm;
    }
    else
    {
        for (int j = threadIdx.x; j < d; j += blockDim.x) out[j] = gr[j] / eps;
    }
}
