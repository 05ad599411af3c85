// Seeded random f32 tensors from Philox4x32-10 (Salmon et al., 2011), the streams of engine/Tensors/Generator.cs, so
// that a seed gives the same numbers on every device: block j of the tensor is Philox(seed, offset + j), 4 uniforms
// (lane l -> element 4j + l, u = (bits >> 8)·2⁻²⁴ in [0, 1), scaled to [a, b)) or 2 normals (Box–Muller on lanes 0
// and 1 -> elements 2j, 2j + 1, u₁ from (0, 1], then mean a + std b · z). One block per thread per step of a
// grid-stride loop. The affine scaling uses explicitly rounded intrinsics so that it is never contracted into an FMA:
// uniforms are then bitwise those of the Cpu backend, and normals differ only by the few ulp of logf and sincosf.
#include "common.cuh"

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u
#define TWO_PI 6.28318530717958647692f
#define INV_2_POW_24 5.9604644775390625e-8f

// The four 32-bit outputs of block counter under seed (counter in lanes 0-1, key from the seed).
__device__ __forceinline__ uint4 philox(unsigned long long seed, unsigned long long counter)
{
    unsigned int c0 = (unsigned int)counter, c1 = (unsigned int)(counter >> 32), c2 = 0u, c3 = 0u;
    unsigned int k0 = (unsigned int)seed, k1 = (unsigned int)(seed >> 32);
#pragma unroll
    for (int round = 0; round < 10; ++round)
    {
        const unsigned int hi0 = __umulhi(PHILOX_M0, c0), lo0 = PHILOX_M0 * c0;
        const unsigned int hi1 = __umulhi(PHILOX_M1, c2), lo1 = PHILOX_M1 * c2;
        c0 = hi1 ^ c1 ^ k0;
        c2 = hi0 ^ c3 ^ k1;
        c1 = lo1;
        c3 = lo0;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    return make_uint4(c0, c1, c2, c3);
}

__device__ __forceinline__ float to_uniform(unsigned int bits) { return (float)(bits >> 8) * INV_2_POW_24; }

__device__ __forceinline__ float scaled(float a, float scale, float u) { return __fadd_rn(a, __fmul_rn(scale, u)); }

// normal: 0 for uniform in [a, b), 1 for normal with mean a and standard deviation b.
extern "C" __global__ void fill_random_f32(float* y, long long n, int normal, unsigned long long seed, unsigned long long offset, float a, float b)
{
    const int per_block = normal ? 2 : 4;
    const long long blocks = (n + per_block - 1) / per_block;
    for (long long j = grid_thread_index(); j < blocks; j += grid_thread_count())
    {
        const uint4 bits = philox(seed, offset + (unsigned long long)j);
        if (normal)
        {
            const float u1 = (float)((bits.x >> 8) + 1u) * INV_2_POW_24;
            const float u2 = to_uniform(bits.y);
            const float radius = sqrtf(-2.0f * logf(u1));
            float s, c;
            sincosf(TWO_PI * u2, &s, &c);
            y[2 * j] = scaled(a, b, radius * c);
            if (2 * j + 1 < n) y[2 * j + 1] = scaled(a, b, radius * s);
        }
        else
        {
            const float width = b - a;
            const unsigned int lanes[4] = {bits.x, bits.y, bits.z, bits.w};
#pragma unroll
            for (int l = 0; l < 4; ++l)
                if (4 * j + l < n) y[4 * j + l] = scaled(a, width, to_uniform(lanes[l]));
        }
    }
}
