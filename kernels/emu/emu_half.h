// __half and __nv_bfloat16 (and their pairs) as 16-bit storage types. Conversions from float round to nearest, ties
// to even, including subnormals and overflow to infinity; a NaN becomes the canonical NaN 0x7FFF, as CUDA's
// conversions return. Arithmetic widens to float and rounds the result once, which is what sm_80+ bf16/half
// instructions compute for add, sub, mul and fma.
#pragma once

namespace cuda_emu { namespace detail {

inline unsigned int float_bits(float f) { unsigned int u; std::memcpy(&u, &f, 4); return u; }
inline float bits_float(unsigned int u) { float f; std::memcpy(&f, &u, 4); return f; }

inline unsigned short float_to_bf16_rn(float f)
{
    unsigned int x = float_bits(f);
    if ((x & 0x7FFFFFFFu) > 0x7F800000u) return 0x7FFF;
    return static_cast<unsigned short>((x + 0x7FFFu + ((x >> 16) & 1u)) >> 16);
}

inline unsigned short float_to_bf16_rz(float f)
{
    unsigned int x = float_bits(f);
    if ((x & 0x7FFFFFFFu) > 0x7F800000u) return 0x7FFF;
    return static_cast<unsigned short>(x >> 16);
}

inline float bf16_to_float(unsigned short h) { return bits_float(static_cast<unsigned int>(h) << 16); }

inline unsigned short float_to_half_rn(float f)
{
    unsigned int x = float_bits(f);
    unsigned int sign = (x >> 16) & 0x8000u;
    unsigned int ax = x & 0x7FFFFFFFu;
    if (ax > 0x7F800000u) return 0x7FFF;
    if (ax >= 0x477FF000u) return static_cast<unsigned short>(sign | 0x7C00u); // >= 65520 rounds to infinity
    if (ax < 0x38800000u)                                                      // below 2^-14: a subnormal half
    {
        unsigned int exponent = ax >> 23;
        if (exponent < 102) return static_cast<unsigned short>(sign); // below 2^-25 rounds to zero
        unsigned int mantissa = (ax & 0x7FFFFFu) | 0x800000u;
        unsigned int shift = 126 - exponent; // value in units of 2^-24 is mantissa >> shift
        unsigned int q = mantissa >> shift;
        unsigned int rest = mantissa & ((1u << shift) - 1u);
        unsigned int half = 1u << (shift - 1);
        if (rest > half || (rest == half && (q & 1u))) ++q;
        return static_cast<unsigned short>(sign | q);
    }
    unsigned int h = (ax >> 13) - ((127u - 15u) << 10);
    unsigned int rest = ax & 0x1FFFu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;
    return static_cast<unsigned short>(sign | h);
}

inline float half_to_float(unsigned short h)
{
    unsigned int sign = (static_cast<unsigned int>(h) & 0x8000u) << 16;
    unsigned int exponent = (h >> 10) & 0x1Fu;
    unsigned int mantissa = h & 0x3FFu;
    if (exponent == 0x1F) return bits_float(sign | 0x7F800000u | (mantissa << 13));
    if (exponent == 0)
    {
        float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
        return sign ? -magnitude : magnitude;
    }
    return bits_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

}} // namespace cuda_emu::detail

#define CUDA_EMU_HALF_TYPE(T, to_bits, to_float)                                                       \
    struct __attribute__((aligned(2))) T                                                               \
    {                                                                                                  \
        unsigned short __x;                                                                            \
        T() = default;                                                                                 \
        T(float f) : __x(::cuda_emu::detail::to_bits(f)) {}                                            \
        T(double d) : __x(::cuda_emu::detail::to_bits(static_cast<float>(d))) {}                       \
        T(int i) : __x(::cuda_emu::detail::to_bits(static_cast<float>(i))) {}                          \
        T(unsigned int i) : __x(::cuda_emu::detail::to_bits(static_cast<float>(i))) {}                 \
        operator float() const { return ::cuda_emu::detail::to_float(__x); }                           \
        T& operator+=(T o) { return *this = T(float(*this) + float(o)); }                              \
        T& operator-=(T o) { return *this = T(float(*this) - float(o)); }                              \
        T& operator*=(T o) { return *this = T(float(*this) * float(o)); }                              \
        T& operator/=(T o) { return *this = T(float(*this) / float(o)); }                              \
    };                                                                                                 \
    inline T operator+(T a, T b) { return T(float(a) + float(b)); }                                    \
    inline T operator-(T a, T b) { return T(float(a) - float(b)); }                                    \
    inline T operator*(T a, T b) { return T(float(a) * float(b)); }                                    \
    inline T operator/(T a, T b) { return T(float(a) / float(b)); }                                    \
    inline T operator-(T a) { T r; r.__x = static_cast<unsigned short>(a.__x ^ 0x8000u); return r; }   \
    inline bool operator==(T a, T b) { return float(a) == float(b); }                                  \
    inline bool operator!=(T a, T b) { return float(a) != float(b); }                                  \
    inline bool operator<(T a, T b) { return float(a) < float(b); }                                    \
    inline bool operator<=(T a, T b) { return float(a) <= float(b); }                                  \
    inline bool operator>(T a, T b) { return float(a) > float(b); }                                    \
    inline bool operator>=(T a, T b) { return float(a) >= float(b); }                                  \
    struct __attribute__((aligned(4))) T##2                                                            \
    {                                                                                                  \
        T x, y;                                                                                        \
    };

CUDA_EMU_HALF_TYPE(__half, float_to_half_rn, half_to_float)
CUDA_EMU_HALF_TYPE(__nv_bfloat16, float_to_bf16_rn, bf16_to_float)
#undef CUDA_EMU_HALF_TYPE

typedef __half half;
typedef __half2 half2;
typedef __nv_bfloat16 nv_bfloat16;
typedef __nv_bfloat162 nv_bfloat162;

namespace cuda_emu { namespace detail {
template <class T> inline T from_bits(unsigned short bits) { T r; r.__x = bits; return r; }
}} // namespace cuda_emu::detail

// ---- conversions ----
inline __nv_bfloat16 __float2bfloat16(float f) { return cuda_emu::detail::from_bits<__nv_bfloat16>(cuda_emu::detail::float_to_bf16_rn(f)); }
inline __nv_bfloat16 __float2bfloat16_rn(float f) { return __float2bfloat16(f); }
inline __nv_bfloat16 __float2bfloat16_rz(float f) { return cuda_emu::detail::from_bits<__nv_bfloat16>(cuda_emu::detail::float_to_bf16_rz(f)); }
inline float __bfloat162float(__nv_bfloat16 h) { return cuda_emu::detail::bf16_to_float(h.__x); }
inline __half __float2half(float f) { return cuda_emu::detail::from_bits<__half>(cuda_emu::detail::float_to_half_rn(f)); }
inline __half __float2half_rn(float f) { return __float2half(f); }
inline float __half2float(__half h) { return cuda_emu::detail::half_to_float(h.__x); }

inline unsigned short __bfloat16_as_ushort(__nv_bfloat16 h) { return h.__x; }
inline __nv_bfloat16 __ushort_as_bfloat16(unsigned short u) { return cuda_emu::detail::from_bits<__nv_bfloat16>(u); }
inline short __bfloat16_as_short(__nv_bfloat16 h) { return static_cast<short>(h.__x); }
inline __nv_bfloat16 __short_as_bfloat16(short s) { return cuda_emu::detail::from_bits<__nv_bfloat16>(static_cast<unsigned short>(s)); }
inline unsigned short __half_as_ushort(__half h) { return h.__x; }
inline __half __ushort_as_half(unsigned short u) { return cuda_emu::detail::from_bits<__half>(u); }
inline short __half_as_short(__half h) { return static_cast<short>(h.__x); }
inline __half __short_as_half(short s) { return cuda_emu::detail::from_bits<__half>(static_cast<unsigned short>(s)); }

inline __nv_bfloat162 __floats2bfloat162_rn(float a, float b) { return {__float2bfloat16(a), __float2bfloat16(b)}; }
inline __nv_bfloat162 __float22bfloat162_rn(float2 f) { return {__float2bfloat16(f.x), __float2bfloat16(f.y)}; }
inline __nv_bfloat162 __float2bfloat162_rn(float f) { return {__float2bfloat16(f), __float2bfloat16(f)}; }
inline __nv_bfloat162 __halves2bfloat162(__nv_bfloat16 a, __nv_bfloat16 b) { return {a, b}; }
inline __nv_bfloat162 __bfloat162bfloat162(__nv_bfloat16 a) { return {a, a}; }
inline float2 __bfloat1622float2(__nv_bfloat162 h) { return {__bfloat162float(h.x), __bfloat162float(h.y)}; }
inline float __low2float(__nv_bfloat162 h) { return __bfloat162float(h.x); }
inline float __high2float(__nv_bfloat162 h) { return __bfloat162float(h.y); }
inline __nv_bfloat16 __low2bfloat16(__nv_bfloat162 h) { return h.x; }
inline __nv_bfloat16 __high2bfloat16(__nv_bfloat162 h) { return h.y; }
inline __half2 __floats2half2_rn(float a, float b) { return {__float2half(a), __float2half(b)}; }
inline __half2 __float22half2_rn(float2 f) { return {__float2half(f.x), __float2half(f.y)}; }
inline __half2 __float2half2_rn(float f) { return {__float2half(f), __float2half(f)}; }
inline __half2 __halves2half2(__half a, __half b) { return {a, b}; }
inline __half2 __half2half2(__half a) { return {a, a}; }
inline float2 __half22float2(__half2 h) { return {__half2float(h.x), __half2float(h.y)}; }
inline float __low2float(__half2 h) { return __half2float(h.x); }
inline float __high2float(__half2 h) { return __half2float(h.y); }
inline __half __low2half(__half2 h) { return h.x; }
inline __half __high2half(__half2 h) { return h.y; }

// ---- scalar intrinsics, for both types ----
#define CUDA_EMU_HALF_OPS(T)                                                                         \
    inline T __hadd(T a, T b) { return a + b; }                                                      \
    inline T __hsub(T a, T b) { return a - b; }                                                      \
    inline T __hmul(T a, T b) { return a * b; }                                                      \
    inline T __hdiv(T a, T b) { return a / b; }                                                      \
    inline T __hfma(T a, T b, T c) { return T(std::fma(float(a), float(b), float(c))); }             \
    inline T __hneg(T a) { return -a; }                                                              \
    inline T __habs(T a) { T r; r.__x = static_cast<unsigned short>(a.__x & 0x7FFFu); return r; }    \
    inline T __hmax(T a, T b) { return T(std::fmax(float(a), float(b))); }                           \
    inline T __hmin(T a, T b) { return T(std::fmin(float(a), float(b))); }                           \
    inline bool __hisnan(T a) { return std::isnan(float(a)); }                                       \
    inline int __hisinf(T a) { float f = float(a); return std::isinf(f) ? (f < 0 ? -1 : 1) : 0; }   \
    inline bool __heq(T a, T b) { return a == b; }                                                   \
    inline bool __hne(T a, T b) { return a != b; }                                                   \
    inline bool __hlt(T a, T b) { return a < b; }                                                    \
    inline bool __hle(T a, T b) { return a <= b; }                                                   \
    inline bool __hgt(T a, T b) { return a > b; }                                                    \
    inline bool __hge(T a, T b) { return a >= b; }                                                   \
    inline T##2 __hadd2(T##2 a, T##2 b) { return {a.x + b.x, a.y + b.y}; }                          \
    inline T##2 __hsub2(T##2 a, T##2 b) { return {a.x - b.x, a.y - b.y}; }                          \
    inline T##2 __hmul2(T##2 a, T##2 b) { return {a.x * b.x, a.y * b.y}; }                          \
    inline T##2 __hfma2(T##2 a, T##2 b, T##2 c) { return {__hfma(a.x, b.x, c.x), __hfma(a.y, b.y, c.y)}; } \
    inline T##2 __hmax2(T##2 a, T##2 b) { return {__hmax(a.x, b.x), __hmax(a.y, b.y)}; }           \
    inline T##2 __hmin2(T##2 a, T##2 b) { return {__hmin(a.x, b.x), __hmin(a.y, b.y)}; }
CUDA_EMU_HALF_OPS(__half)
CUDA_EMU_HALF_OPS(__nv_bfloat16)
#undef CUDA_EMU_HALF_OPS

inline __nv_bfloat16 hexp(__nv_bfloat16 a) { return __nv_bfloat16(std::exp(float(a))); }
inline __nv_bfloat16 hsqrt(__nv_bfloat16 a) { return __nv_bfloat16(std::sqrt(float(a))); }
inline __half hexp(__half a) { return __half(std::exp(float(a))); }
inline __half hsqrt(__half a) { return __half(std::sqrt(float(a))); }
