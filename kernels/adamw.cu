// One AdamW step over f32 param, grad and moments m, v in place, element by element, in the Cpu backend's order
// of operations (PyTorch's single-tensor AdamW):
//   g = grad·scale;  p = p·(1 − lr·wd);  m = m + (1 − β₁)·(g − m);  v = v·β₂ + (1 − β₂)·g·g;
//   p = p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + eps)
// with the float constants the host computed in double. Every operation is an explicitly rounded intrinsic, so the
// compiler cannot contract pairs into FMAs and the result is bitwise the Cpu backend's. Grid-stride; each thread
// takes float4s when all four pointers are 16-byte aligned, then the tail element by element.
#include "common.cuh"

// Same layout as AdamWCoefficients in engine/Backends/AdamWCoefficients.cs.
struct AdamWCoefficients
{
    float decay;
    float one_minus_beta1;
    float beta2;
    float one_minus_beta2;
    float bias_correction2_sqrt;
    float step_size;
    float eps;
    float grad_scale;
};

__device__ __forceinline__ void update(float& p, float& m, float& v, float grad, const AdamWCoefficients& k)
{
    const float g = __fmul_rn(grad, k.grad_scale);
    p = __fmul_rn(p, k.decay);
    m = __fadd_rn(m, __fmul_rn(k.one_minus_beta1, __fsub_rn(g, m)));
    v = __fadd_rn(__fmul_rn(v, k.beta2), __fmul_rn(__fmul_rn(k.one_minus_beta2, g), g));
    const float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(v), k.bias_correction2_sqrt), k.eps);
    p = __fsub_rn(p, __fmul_rn(k.step_size, __fdiv_rn(m, denom)));
}

extern "C" __global__ void adamw_step_f32(float* param, const float* grad, float* m, float* v, long long n, AdamWCoefficients k)
{
    long long scalar_from = 0;
    if ((((unsigned long long)param | (unsigned long long)grad | (unsigned long long)m | (unsigned long long)v) & 15ull) == 0)
    {
        const long long n4 = n >> 2;
        for (long long i = grid_thread_index(); i < n4; i += grid_thread_count())
        {
            float4 p4 = ((float4*)param)[i];
            float4 m4 = ((float4*)m)[i];
            float4 v4 = ((float4*)v)[i];
            const float4 g4 = ((const float4*)grad)[i];
            update(p4.x, m4.x, v4.x, g4.x, k);
            update(p4.y, m4.y, v4.y, g4.y, k);
            update(p4.z, m4.z, v4.z, g4.z, k);
            update(p4.w, m4.w, v4.w, g4.w, k);
            ((float4*)param)[i] = p4;
            ((float4*)m)[i] = m4;
            ((float4*)v)[i] = v4;
        }
        scalar_from = n4 << 2;
    }
    for (long long i = scalar_from + grid_thread_index(); i < n; i += grid_thread_count()) update(param[i], m[i], v[i], grad[i], k);
}
