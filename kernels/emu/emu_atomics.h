// CUDA atomics as host atomics: blocks run in parallel on OS threads, so these are real read-modify-write operations
// (relaxed, like CUDA's). float, double and 16-bit floating-point forms are compare-and-swap loops.
#pragma once

namespace cuda_emu { namespace detail {

// Applies op to *address atomically through a CAS on its bit pattern; returns the old value.
template <class T, class Bits, class Op>
inline T atomic_update(T* address, Op op)
{
    static_assert(sizeof(T) == sizeof(Bits), "bit pattern size");
    Bits* bits = reinterpret_cast<Bits*>(address);
    Bits old = __atomic_load_n(bits, __ATOMIC_RELAXED);
    for (;;)
    {
        T value;
        std::memcpy(&value, &old, sizeof(T));
        T updated = op(value);
        Bits desired;
        std::memcpy(&desired, &updated, sizeof(T));
        if (__atomic_compare_exchange_n(bits, &old, desired, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) return value;
    }
}

// A 16-bit value updated through the aligned 32-bit word that holds it.
template <class T, class Op>
inline T atomic_update16(T* address, Op op)
{
    static_assert(sizeof(T) == 2, "16-bit type");
    std::uintptr_t at = reinterpret_cast<std::uintptr_t>(address);
    unsigned int* word = reinterpret_cast<unsigned int*>(at & ~std::uintptr_t(3));
    unsigned int shift = (at & 2u) ? 16u : 0u;
    unsigned int old = __atomic_load_n(word, __ATOMIC_RELAXED);
    for (;;)
    {
        unsigned short bits = static_cast<unsigned short>(old >> shift);
        T value;
        std::memcpy(&value, &bits, 2);
        T updated = op(value);
        unsigned short new_bits;
        std::memcpy(&new_bits, &updated, 2);
        unsigned int desired = (old & ~(0xFFFFu << shift)) | (static_cast<unsigned int>(new_bits) << shift);
        if (__atomic_compare_exchange_n(word, &old, desired, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) return value;
    }
}

}} // namespace cuda_emu::detail

#define CUDA_EMU_INTEGER_ATOMICS(T)                                                                          \
    inline T atomicAdd(T* a, T v) { return __atomic_fetch_add(a, v, __ATOMIC_RELAXED); }                     \
    inline T atomicSub(T* a, T v) { return __atomic_fetch_sub(a, v, __ATOMIC_RELAXED); }                     \
    inline T atomicAnd(T* a, T v) { return __atomic_fetch_and(a, v, __ATOMIC_RELAXED); }                     \
    inline T atomicOr(T* a, T v) { return __atomic_fetch_or(a, v, __ATOMIC_RELAXED); }                       \
    inline T atomicXor(T* a, T v) { return __atomic_fetch_xor(a, v, __ATOMIC_RELAXED); }                     \
    inline T atomicExch(T* a, T v) { return __atomic_exchange_n(a, v, __ATOMIC_RELAXED); }                   \
    inline T atomicCAS(T* a, T compare, T v)                                                                 \
    {                                                                                                        \
        __atomic_compare_exchange_n(a, &compare, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);              \
        return compare;                                                                                      \
    }                                                                                                        \
    inline T atomicMax(T* a, T v) { return cuda_emu::detail::atomic_update<T, T>(a, [v](T x) { return x > v ? x : v; }); } \
    inline T atomicMin(T* a, T v) { return cuda_emu::detail::atomic_update<T, T>(a, [v](T x) { return x < v ? x : v; }); }
CUDA_EMU_INTEGER_ATOMICS(int)
CUDA_EMU_INTEGER_ATOMICS(unsigned int)
CUDA_EMU_INTEGER_ATOMICS(long long)
CUDA_EMU_INTEGER_ATOMICS(unsigned long long)
#undef CUDA_EMU_INTEGER_ATOMICS

inline unsigned short atomicCAS(unsigned short* a, unsigned short compare, unsigned short v)
{
    __atomic_compare_exchange_n(a, &compare, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    return compare;
}

inline unsigned int atomicInc(unsigned int* a, unsigned int limit)
{
    return cuda_emu::detail::atomic_update<unsigned int, unsigned int>(a, [limit](unsigned int x) { return x >= limit ? 0u : x + 1u; });
}

inline unsigned int atomicDec(unsigned int* a, unsigned int limit)
{
    return cuda_emu::detail::atomic_update<unsigned int, unsigned int>(a, [limit](unsigned int x) { return (x == 0u || x > limit) ? limit : x - 1u; });
}

inline float atomicAdd(float* a, float v) { return cuda_emu::detail::atomic_update<float, unsigned int>(a, [v](float x) { return x + v; }); }
inline double atomicAdd(double* a, double v) { return cuda_emu::detail::atomic_update<double, unsigned long long>(a, [v](double x) { return x + v; }); }
inline float atomicExch(float* a, float v) { return cuda_emu::detail::atomic_update<float, unsigned int>(a, [v](float) { return v; }); }
inline __nv_bfloat16 atomicAdd(__nv_bfloat16* a, __nv_bfloat16 v) { return cuda_emu::detail::atomic_update16(a, [v](__nv_bfloat16 x) { return x + v; }); }
inline __half atomicAdd(__half* a, __half v) { return cuda_emu::detail::atomic_update16(a, [v](__half x) { return x + v; }); }

inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
inline void __threadfence_system() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
// The threads of a block share one OS thread, so ordering among them needs only the compiler not to reorder.
inline void __threadfence_block() { __atomic_signal_fence(__ATOMIC_SEQ_CST); }
