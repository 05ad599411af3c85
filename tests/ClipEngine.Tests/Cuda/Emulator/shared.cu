// Tiled transpose: 32x32 tiles through padded shared memory, block (32, 8), each thread moves 4 elements per tile.
// out[c][r] = in[r][c] for in [rows, cols]; tiles at the right and bottom edges are partial.
#define TILE 32
#define ROWS_PER_PASS 8

extern "C" __global__ void transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols)
{
    __shared__ float tile[TILE][TILE + 1];
    int c = blockIdx.x * TILE + threadIdx.x;
    for (int k = 0; k < TILE; k += ROWS_PER_PASS)
    {
        int r = blockIdx.y * TILE + threadIdx.y + k;
        if (r < rows && c < cols) tile[threadIdx.y + k][threadIdx.x] = in[(long)r * cols + c];
    }
    __syncthreads();
    int r = blockIdx.y * TILE + threadIdx.x;
    for (int k = 0; k < TILE; k += ROWS_PER_PASS)
    {
        int oc = blockIdx.x * TILE + threadIdx.y + k;
        if (oc < cols && r < rows) out[(long)oc * rows + r] = tile[threadIdx.x][threadIdx.y + k];
    }
}

// Reverses each block's slice of `in` through dynamic shared memory sized by the launch (blockDim.x floats).
extern "C" __global__ void reverse_dynamic(const float* in, float* out)
{
    extern __shared__ __align__(16) float buffer[];
    unsigned n = blockDim.x, t = threadIdx.x, base = blockIdx.x * n;
    buffer[t] = in[base + t];
    __syncthreads();
    out[base + t] = buffer[n - 1 - t];
}

// Copies the launch's dynamic shared memory as the block found it (bytes), to show it is not zeroed.
extern "C" __global__ void dump_dynamic(unsigned char* out, int bytes)
{
    extern __shared__ unsigned char raw[];
    for (int i = threadIdx.x; i < bytes; i += blockDim.x) out[i] = raw[i];
}
