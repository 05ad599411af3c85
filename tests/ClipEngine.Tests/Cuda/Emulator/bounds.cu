// Writes out[i] = i for i < n, and with `overrun` also out[n]: one element past the end of the buffer.
extern "C" __global__ void fill_index(float* out, int n, int overrun)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n + overrun) out[i] = (float)i;
}
