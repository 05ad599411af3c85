// Barrier tests. rotate_*: block b reads in[b*n .. b*n+n), one thread per element, and writes
// out[i] = in[(i + shift) mod n] through shared memory; without the barrier a thread reads a slot its neighbour
// has not written yet (the emulator runs the threads of a phase in order, so the race is exposed).

extern "C" __global__ void rotate_synced(const float* in, float* out, int shift)
{
    __shared__ float slots[1024];
    unsigned n = blockDim.x, t = threadIdx.x, base = blockIdx.x * n;
    slots[t] = in[base + t];
    __syncthreads();
    out[base + t] = slots[(t + shift) % n];
}

extern "C" __global__ void rotate_unsynced(const float* in, float* out, int shift)
{
    __shared__ float slots[1024];
    unsigned n = blockDim.x, t = threadIdx.x, base = blockIdx.x * n;
    slots[t] = in[base + t];
    out[base + t] = slots[(t + shift) % n];
}

// Threads past `active` leave before the barrier the others wait at.
extern "C" __global__ void exit_before_barrier(float* out, int active)
{
    if ((int)threadIdx.x >= active) return;
    __syncthreads();
    out[threadIdx.x] = 1.0f;
}

// Even and odd threads wait at two different barriers.
extern "C" __global__ void split_barriers(float* out)
{
    if (threadIdx.x % 2 == 0)
    {
        __syncthreads();
    }
    else
    {
        __syncthreads();
    }
    out[threadIdx.x] = 1.0f;
}

// counts[3*b + 0] = number of threads with a true predicate, [1] = all of them, [2] = any of them.
extern "C" __global__ void barrier_reductions(const int* predicates, int* counts)
{
    int p = predicates[blockIdx.x * blockDim.x + threadIdx.x];
    int count = __syncthreads_count(p);
    int all = __syncthreads_and(p);
    int any = __syncthreads_or(p);
    if (threadIdx.x == 0)
    {
        counts[3 * blockIdx.x + 0] = count;
        counts[3 * blockIdx.x + 1] = all;
        counts[3 * blockIdx.x + 2] = any;
    }
}

extern "C" __global__ void trap_in_thread(int which)
{
    if ((int)threadIdx.x == which) __trap();
}

#include <assert.h>

extern "C" __global__ void assert_positive(const float* values)
{
    assert(values[threadIdx.x] > 0.0f);
}
