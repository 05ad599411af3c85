// Each thread writes where it is: out[2i] = its block index, out[2i+1] = its thread index, each as x + 100y + 10000z,
// with i its linear index in the grid (block-major, x fastest).
extern "C" __global__ void record_indices(int* out)
{
    int block = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
    int thread = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
    int i = block * blockDim.x * blockDim.y * blockDim.z + thread;
    out[2 * i] = blockIdx.x + 100 * blockIdx.y + 10000 * blockIdx.z;
    out[2 * i + 1] = threadIdx.x + 100 * threadIdx.y + 10000 * threadIdx.z;
}
