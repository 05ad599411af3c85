// Atomics under contention: every thread of every block updates the same few words.

extern "C" __global__ void contend(const float* values, float* float_sum, int* int_count, unsigned* max_index, unsigned long long* ull_sum, int n)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    {
        atomicAdd(float_sum, values[i]);
        atomicAdd(int_count, 1);
        atomicMax(max_index, (unsigned)i);
        atomicAdd(ull_sum, (unsigned long long)i);
    }
}

// A spin lock built from atomicCAS/atomicExch guards a non-atomic read-modify-write of *total.
extern "C" __global__ void cas_lock(int* lock, float* total)
{
    if (threadIdx.x != 0) return;
    while (atomicCAS(lock, 0, 1) != 0)
    {
    }
    __threadfence();
    *total = *total + 1.0f;
    __threadfence();
    atomicExch(lock, 0);
}
