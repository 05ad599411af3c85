// Warp-intrinsic tests; one warp per 32 consecutive threads of a block, 8 results per warp.
//   out[8w+0]: xor butterfly sum   out[8w+1]: shfl_down tree sum (lane 0)   out[8w+2]: broadcast of lane 5 via __shfl_sync
//   scan[i]: inclusive prefix sum within the warp via __shfl_up_sync
//   out[8w+3]: sum within segments of `width` lanes (xor) of the lane's segment, written by each segment's first lane
//   out[8w+4 ..]: sums of segments 1.. (only the first 4 segments are kept)

extern "C" __global__ void warp_sums(const float* in, float* out, float* scan)
{
    unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    unsigned lane = threadIdx.x % 32, warp = i / 32;
    float v = in[i];

    float x = v;
    for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o);

    float d = v;
    for (int o = 16; o > 0; o >>= 1) d += __shfl_down_sync(0xffffffffu, d, o);

    float b = __shfl_sync(0xffffffffu, v, 5);

    float s = v;
    for (int o = 1; o < 32; o <<= 1)
    {
        float up = __shfl_up_sync(0xffffffffu, s, o);
        if ((int)lane >= o) s += up;
    }
    scan[i] = s;

    if (lane == 0)
    {
        out[8 * warp + 0] = x;
        out[8 * warp + 1] = d;
    }
    if (lane == 7) out[8 * warp + 2] = b;
}

// Sums within segments of `width` lanes; out[(32/width)*warp + segment].
extern "C" __global__ void segment_sums(const float* in, float* out, int width)
{
    unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    unsigned lane = threadIdx.x % 32, warp = i / 32;
    float x = in[i];
    for (int o = width / 2; o > 0; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o, width);
    float d = in[i];
    for (int o = width / 2; o > 0; o >>= 1) d += __shfl_down_sync(0xffffffffu, d, o, width);
    if (lane % width == 0)
    {
        out[2 * ((32 / width) * warp + lane / width) + 0] = x;
        out[2 * ((32 / width) * warp + lane / width) + 1] = d;
    }
}

// Votes among the lanes of `mask` only; the other lanes take no part. Per warp: ballot, any, all, reduce_add.
extern "C" __global__ void votes(const int* predicates, unsigned* out, unsigned mask)
{
    unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    unsigned lane = threadIdx.x % 32, warp = i / 32;
    if (!(mask & (1u << lane))) return;
    int p = predicates[i];
    unsigned ballot = __ballot_sync(mask, p);
    int any = __any_sync(mask, p);
    int all = __all_sync(mask, p);
    unsigned total = __reduce_add_sync(mask, (unsigned)p);
    __syncwarp(mask);
    if (lane == 31 - __clz((int)mask))
    {
        out[4 * warp + 0] = ballot;
        out[4 * warp + 1] = (unsigned)any;
        out[4 * warp + 2] = (unsigned)all;
        out[4 * warp + 3] = total;
    }
}

// Lane 3 exits; the rest shuffle with a full mask that still names it.
extern "C" __global__ void shuffle_after_exit(float* out)
{
    if (threadIdx.x % 32 == 3) return;
    out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, 1.0f, 1);
}
