// Block barriers and warp-level intrinsics. Each is a call into the scheduler (emu_scheduler.cpp) that suspends the
// calling CUDA thread's fiber until its partners arrive, which is the only place the threads of a block interleave.
// The intrinsics are object-like macros expanding to a callable that carries the call site, so a deadlock or a
// divergent barrier is reported with file and line.
#pragma once

namespace cuda_emu { namespace detail {

struct Site
{
    const char* file;
    int line;
};

enum class BarrierKind : int { Plain, Count, And, Or };

enum class WarpOp : int { Shfl, ShflUp, ShflDown, ShflXor, Ballot, Any, All, Sync, ReduceAdd, ReduceMin, ReduceMax, ReduceAnd, ReduceOr, ReduceXor };

// Waits for every thread of the block at this barrier; returns the count, and or or of the predicates.
int barrier(Site site, BarrierKind kind, int predicate);

// Rendezvous of the lanes in mask at the same warp operation. value holds the lane's operand (size bytes, zero
// extended), arg the source lane, delta or lane mask of a shuffle; returns this lane's result.
unsigned long long warp_exchange(Site site, WarpOp op, unsigned int mask, unsigned long long value, int arg, int width, unsigned int size);

// The lanes of the calling warp that have not exited (the emulator does not track divergent branches).
unsigned int active_mask();

[[noreturn]] void trap(Site site);

struct Barrier
{
    Site site;
    void operator()() const { barrier(site, BarrierKind::Plain, 1); }
};

struct BarrierReduce
{
    Site site;
    BarrierKind kind;
    int operator()(int predicate) const { return barrier(site, kind, predicate); }
};

struct Shuffle
{
    Site site;
    WarpOp op;

    template <class T>
    T operator()(unsigned int mask, T var, int arg, int width = 32) const
    {
        static_assert(sizeof(T) <= 8 && std::is_trivially_copyable<T>::value, "shuffled values are at most 8 bytes");
        unsigned long long bits = 0;
        std::memcpy(&bits, &var, sizeof(T));
        unsigned long long result = warp_exchange(site, op, mask, bits, arg, width, sizeof(T));
        T out;
        std::memcpy(&out, &result, sizeof(T));
        return out;
    }
};

struct Vote
{
    Site site;
    WarpOp op;
    unsigned int operator()(unsigned int mask, int predicate) const
    {
        return static_cast<unsigned int>(warp_exchange(site, op, mask, predicate != 0, 0, 32, 4));
    }
};

struct WarpReduce
{
    Site site;
    WarpOp op;
    unsigned int operator()(unsigned int mask, unsigned int value) const
    {
        return static_cast<unsigned int>(warp_exchange(site, op, mask, value, 0, 32, 4));
    }
    int operator()(unsigned int mask, int value) const
    {
        // Signed min and max compare with the sign bit flipped, which keeps one unsigned reduction in the scheduler.
        bool order = op == WarpOp::ReduceMin || op == WarpOp::ReduceMax;
        unsigned int bias = order ? 0x80000000u : 0u;
        unsigned int r = static_cast<unsigned int>(warp_exchange(site, op, mask, static_cast<unsigned int>(value) ^ bias, 0, 32, 4));
        return static_cast<int>(r ^ bias);
    }
};

struct SyncWarp
{
    Site site;
    void operator()(unsigned int mask = 0xFFFFFFFFu) const { warp_exchange(site, WarpOp::Sync, mask, 0, 0, 32, 4); }
};

struct Trap
{
    Site site;
    [[noreturn]] void operator()() const { trap(site); }
};

}} // namespace cuda_emu::detail

#define CUDA_EMU_SITE (::cuda_emu::detail::Site{__FILE__, __LINE__})
#define __syncthreads ::cuda_emu::detail::Barrier{CUDA_EMU_SITE}
#define __syncthreads_count ::cuda_emu::detail::BarrierReduce{CUDA_EMU_SITE, ::cuda_emu::detail::BarrierKind::Count}
#define __syncthreads_and ::cuda_emu::detail::BarrierReduce{CUDA_EMU_SITE, ::cuda_emu::detail::BarrierKind::And}
#define __syncthreads_or ::cuda_emu::detail::BarrierReduce{CUDA_EMU_SITE, ::cuda_emu::detail::BarrierKind::Or}
#define __shfl_sync ::cuda_emu::detail::Shuffle{CUDA_EMU_SITE, ::cuda_emu::detail::WarpOp::Shfl}
#define __shfl_up_sync ::cuda_emu::detail::Shuffle{CUDA_EMU_SITE, ::cuda_emu::detail::WarpOp::ShflUp}
#define __shfl_down_sync ::cuda_emu::detail::Shuffle{CUDA_EMU_SITE, ::cuda_emu::detail::WarpOp::ShflDown}
#define __shfl_xor_sync ::cuda_emu::detail::Shuffle{CUDA_EMU_SITE, ::cuda_emu::detail::WarpOp::ShflXor}
#define __ballot_sync ::cuda_emu::detail::Vote{CUDA_EMU_SITE, ::cuda_emu::detail::WarpOp::Ballot}
#define __any_sync ::cuda_emu::detail::Vote{CUDA_EMU_SITE, ::cuda_emu::detail::WarpOp::Any}
#define __all_sync ::cuda_emu::detail::Vote{CUDA_EMU_SITE, ::cuda_emu::detail::WarpOp::All}
#define __reduce_add_sync ::cuda_emu::detail::WarpReduce{CUDA_EMU_SITE, ::cuda_emu::detail::WarpOp::ReduceAdd}
#define __reduce_min_sync ::cuda_emu::detail::WarpReduce{CUDA_EMU_SITE, ::cuda_emu::detail::WarpOp::ReduceMin}
#define __reduce_max_sync ::cuda_emu::detail::WarpReduce{CUDA_EMU_SITE, ::cuda_emu::detail::WarpOp::ReduceMax}
#define __reduce_and_sync ::cuda_emu::detail::WarpReduce{CUDA_EMU_SITE, ::cuda_emu::detail::WarpOp::ReduceAnd}
#define __reduce_or_sync ::cuda_emu::detail::WarpReduce{CUDA_EMU_SITE, ::cuda_emu::detail::WarpOp::ReduceOr}
#define __reduce_xor_sync ::cuda_emu::detail::WarpReduce{CUDA_EMU_SITE, ::cuda_emu::detail::WarpOp::ReduceXor}
#define __syncwarp ::cuda_emu::detail::SyncWarp{CUDA_EMU_SITE}
#define __trap ::cuda_emu::detail::Trap{CUDA_EMU_SITE}

inline unsigned int __activemask() { return ::cuda_emu::detail::active_mask(); }
