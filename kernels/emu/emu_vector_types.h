// CUDA's built-in vector and index types. They are aggregates without constructors, as in CUDA, so `__shared__`
// arrays of them need no dynamic initialization and `float4 v = {a, b, c, d};` works; alignment matches the device
// (float4 is 16-byte aligned), so reinterpret_cast'ed vector loads have the same layout on both compilers.
#pragma once

#define CUDA_EMU_VECTOR2(T, name, align) \
    struct __attribute__((aligned(align))) name { T x, y; }; \
    inline name make_##name(T x, T y) { return name{x, y}; }
#define CUDA_EMU_VECTOR3(T, name) \
    struct name { T x, y, z; }; \
    inline name make_##name(T x, T y, T z) { return name{x, y, z}; }
#define CUDA_EMU_VECTOR4(T, name, align) \
    struct __attribute__((aligned(align))) name { T x, y, z, w; }; \
    inline name make_##name(T x, T y, T z, T w) { return name{x, y, z, w}; }

CUDA_EMU_VECTOR2(char, char2, 2)
CUDA_EMU_VECTOR2(unsigned char, uchar2, 2)
CUDA_EMU_VECTOR2(short, short2, 4)
CUDA_EMU_VECTOR2(unsigned short, ushort2, 4)
CUDA_EMU_VECTOR2(int, int2, 8)
CUDA_EMU_VECTOR2(unsigned int, uint2, 8)
CUDA_EMU_VECTOR2(float, float2, 8)
CUDA_EMU_VECTOR2(long long, longlong2, 16)
CUDA_EMU_VECTOR2(unsigned long long, ulonglong2, 16)
CUDA_EMU_VECTOR2(double, double2, 16)

CUDA_EMU_VECTOR3(char, char3)
CUDA_EMU_VECTOR3(unsigned char, uchar3)
CUDA_EMU_VECTOR3(short, short3)
CUDA_EMU_VECTOR3(unsigned short, ushort3)
CUDA_EMU_VECTOR3(int, int3)
CUDA_EMU_VECTOR3(unsigned int, uint3)
CUDA_EMU_VECTOR3(float, float3)
CUDA_EMU_VECTOR3(double, double3)

CUDA_EMU_VECTOR4(char, char4, 4)
CUDA_EMU_VECTOR4(unsigned char, uchar4, 4)
CUDA_EMU_VECTOR4(short, short4, 8)
CUDA_EMU_VECTOR4(unsigned short, ushort4, 8)
CUDA_EMU_VECTOR4(int, int4, 16)
CUDA_EMU_VECTOR4(unsigned int, uint4, 16)
CUDA_EMU_VECTOR4(float, float4, 16)
CUDA_EMU_VECTOR4(long long, longlong4, 16)
CUDA_EMU_VECTOR4(unsigned long long, ulonglong4, 16)
CUDA_EMU_VECTOR4(double, double4, 16)

#undef CUDA_EMU_VECTOR2
#undef CUDA_EMU_VECTOR3
#undef CUDA_EMU_VECTOR4

// Launch dimensions; unlike the vector types it has a constructor, as in CUDA (dim3 block(16, 16)).
struct dim3
{
    unsigned int x, y, z;
    constexpr dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1) : x(vx), y(vy), z(vz) {}
    constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
    constexpr operator uint3() const { return uint3{x, y, z}; }
};
