// Conversions between float and the 16-bit float types, element by element.

extern "C" __global__ void to_bf16(const float* in, unsigned short* out, int n)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        out[i] = __bfloat16_as_ushort(__float2bfloat16(in[i]));
}

extern "C" __global__ void from_bf16(const __nv_bfloat16* in, float* out, int n)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        out[i] = __bfloat162float(in[i]);
}

extern "C" __global__ void to_half(const float* in, unsigned short* out, int n)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        out[i] = __half_as_ushort(__float2half(in[i]));
}

extern "C" __global__ void from_half(const __half* in, float* out, int n)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        out[i] = __half2float(in[i]);
}
